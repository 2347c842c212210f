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

/**
 * Cancels a queued call (SPEC §2), for the webhook, the REST API, the dashboard and the admin CLI alike.
 * Invariants:
 * - Postgres decides, in ONE conditional statement: queued → canceled, the credit refunded, the event
 *   ("canceled by <by>") appended. A cancel racing a dialer's claim either wins (nothing is dialled) or
 *   loses (409 call_not_cancelable with the current status); a second cancel refunds nothing.
 * - 404 call_not_found for an unknown, deleted or other organisation's call.
 * - Removing the BullMQ job afterwards is best effort: a dialer re-checks the status before dialling, so a
 *   job left behind dials nothing. Its failure is logged (ids only) and the answer is still a success.
 */
export async function cancelCall(deps: CallUseCaseDeps, request: CallRequest): Promise<CanceledCall> {
  const result = await transitionCall(deps.sql, {
    callId: request.callId,
    orgId: request.orgId,
    from: "queued",
    to: "canceled",
    detail: `canceled by ${request.by}`,
    endReason: "canceled",
  });
  if (!result.moved) {
    if (result.current === null) throw callNotFound(request.field);
    throw new ApiError(
      "call_not_cancelable",
      `The call is ${result.current}; only a queued call can be canceled.`,
      request.field,
      { status: result.current },
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
