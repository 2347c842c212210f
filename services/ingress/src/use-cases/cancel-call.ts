import { ApiError, type CallRefData } from "@inbound/contracts";
import { transitionCall } from "@inbound/db";
import type { ActionContext, ActionDeps, ActionResult } from "./action";

export const CALL_CANCELED_MESSAGE = "Call has been canceled.";

export function callNotFound(): ApiError {
  return new ApiError("call_not_found", "No call with this call_id exists for this organisation.", "data.call_id");
}

/**
 * call.cancel: Postgres decides (queued → canceled, refund included, in one statement); removing the
 * BullMQ job is best effort, since a worker re-checks the call's status before dialing.
 */
export async function cancelCall(deps: ActionDeps, ctx: ActionContext, data: CallRefData): Promise<ActionResult> {
  const result = await transitionCall(deps.sql, {
    callId: data.call_id,
    orgId: ctx.orgId,
    from: "queued",
    to: "canceled",
    detail: "canceled by webhook",
    endReason: "canceled",
  });
  if (!result.moved) {
    if (result.current === null) throw callNotFound();
    throw new ApiError(
      "call_not_cancelable",
      `The call is ${result.current}; only a queued call can be canceled.`,
      "data.call_id",
      { status: result.current },
    );
  }
  try {
    await deps.queues.calls.remove(data.call_id);
  } catch {
    deps.logger.warn({ request_id: ctx.requestId, call_id: data.call_id }, "could not remove the canceled call's job");
  }
  return {
    status: 200,
    body: { success: true, call_id: data.call_id, status: "canceled", message: CALL_CANCELED_MESSAGE },
  };
}
