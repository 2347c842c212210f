import { ApiError, type CallRefData } from "@inbound/contracts";
import { transitionCall } from "@inbound/db";
import type { ActionContext, ActionDeps, ActionResult } from "./action";

export const CALL_CANCELED_MESSAGE = "Call has been canceled.";

export function callNotFound(field = "data.call_id"): ApiError {
  return new ApiError("call_not_found", "No call with this call_id exists for this organisation.", field);
}

/** The statuses a call may be canceled from (SPEC §2, §9): waiting, not yet placed at the provider. */
const CANCELABLE = ["queued", "scheduled"] as const;

/**
 * call.cancel: Postgres decides (queued or scheduled → canceled, refund included, in one conditional statement);
 * removing the BullMQ job is best effort, since a worker re-checks the call's status before dialing. A call
 * that moved between queued and scheduled under the statement is tried again from where it is now.
 */
export async function cancelCall(deps: ActionDeps, ctx: ActionContext, data: CallRefData): Promise<ActionResult> {
  let from: (typeof CANCELABLE)[number] = "queued";
  for (let round = 0; ; round++) {
    const result = await transitionCall(deps.sql, {
      callId: data.call_id,
      orgId: ctx.orgId,
      from,
      to: "canceled",
      detail: `canceled by ${ctx.transport.name}`,
      endReason: "canceled",
    });
    if (result.moved) break;
    if (result.current === null) throw callNotFound(ctx.transport.field("call_id"));
    const current = result.current;
    if (round < 3 && (CANCELABLE as readonly string[]).includes(current) && current !== from) {
      from = current as (typeof CANCELABLE)[number];
      continue;
    }
    throw new ApiError(
      "call_not_cancelable",
      `The call is ${current}; only a scheduled or queued call can be canceled.`,
      ctx.transport.field("call_id"),
      { status: current },
    );
  }
  try {
    await deps.queues.calls.remove(data.call_id);
  } catch {
    deps.logger.warn({ request_id: ctx.requestId, call_id: data.call_id }, "could not remove the canceled call's job");
  }
  return { status: 200, body: await ctx.transport.canceled(deps, ctx, data.call_id) };
}
