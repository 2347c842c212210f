import { ApiError } from "@inbound/contracts";
import { transitionCall } from "@inbound/db";
import type { CallRequest, CallUseCaseDeps } from "../call-use-case";
import { callNotFound } from "../errors";

export const CALL_CANCELED_MESSAGE = "Call has been canceled.";

export interface CanceledCall {
  callId: string;
  status: "canceled";
  message: typeof CALL_CANCELED_MESSAGE;
}

/** The statuses a call may be canceled from (SPEC §2, §9): waiting, not yet placed at the provider. */
const CANCELABLE = ["queued", "scheduled"] as const;
type Cancelable = (typeof CANCELABLE)[number];

/**
 * Cancels a scheduled or queued call (SPEC §2, §9), for the webhook, the REST API, the dashboard and the
 * admin CLI alike.
 * Invariants:
 * - Postgres decides, in ONE conditional statement: queued|scheduled → canceled, the credit refunded, the
 *   event ("canceled by <by>") appended. A cancel racing a dialer's claim either wins (nothing is dialled)
 *   or loses (409 call_not_cancelable with the current status); a second cancel refunds nothing. A call
 *   that moved between scheduled and queued under the statement is tried again from where it is now.
 * - 404 call_not_found for an unknown, deleted or other organisation's call.
 * - Removing the BullMQ job afterwards is best effort: a dialer re-checks the status before dialling, so a
 *   job left behind dials nothing. Its failure is logged (ids only) and the answer is still a success.
 */
export async function cancelCall(deps: CallUseCaseDeps, request: CallRequest): Promise<CanceledCall> {
  let from: Cancelable = "queued";
  for (let round = 0; ; round++) {
    const result = await transitionCall(deps.sql, {
      callId: request.callId,
      orgId: request.orgId,
      from,
      to: "canceled",
      detail: `canceled by ${request.by}`,
      endReason: "canceled",
    });
    if (result.moved) break;
    if (result.current === null) throw callNotFound(request.field);
    const current = result.current;
    if (round < 3 && (CANCELABLE as readonly string[]).includes(current) && current !== from) {
      from = current as Cancelable;
      continue;
    }
    throw new ApiError(
      "call_not_cancelable",
      `The call is ${current}; only a scheduled or queued call can be canceled.`,
      request.field,
      { status: current },
    );
  }
  try {
    await deps.queues.calls.remove(request.callId);
  } catch {
    deps.logger.warn(
      { request_id: request.requestId ?? undefined, call_id: request.callId },
      "could not remove the canceled call's job",
    );
  }
  return { callId: request.callId, status: "canceled", message: CALL_CANCELED_MESSAGE };
}
