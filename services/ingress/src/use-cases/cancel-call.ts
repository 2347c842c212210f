import { ApiError, type CallRefData } from "@inbound/contracts";
import { transitionCall } from "@inbound/db";
import type { ActionContext, ActionDeps, ActionResult } from "./action";

export const CALL_CANCELED_MESSAGE = "Call has been canceled.";

export function callNotFound(field = "data.call_id"): ApiError {
  return new ApiError("call_not_found", "No call with this call_id exists for this organisation.", field);
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
    detail: `canceled by ${ctx.transport.name}`,
    endReason: "canceled",
  });
  if (!result.moved) {
    if (result.current === null) throw callNotFound(ctx.transport.field("call_id"));
    throw new ApiError(
      "call_not_cancelable",
      `The call is ${result.current}; only a queued call can be canceled.`,
      ctx.transport.field("call_id"),
      { status: result.current },
    );
  }
  try {
    await deps.queues.calls.remove(data.call_id);
  } catch {
    deps.logger.warn({ request_id: ctx.requestId, call_id: data.call_id }, "could not remove the canceled call's job");
  }
  return { status: 200, body: await ctx.transport.canceled(deps, ctx, data.call_id) };
}
