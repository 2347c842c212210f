import { ApiError, type CallStatus, RETRY_PENDING_STATUS } from "@inbound/contracts";
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
 * Where a call may be canceled from (SPEC §2, §9): waiting, nothing up at the provider. Scheduled, queued, and
 * dialing only while it waits for a retry (the retry_pending sub-state: the statement checks it at update time).
 */
const CANCELABLE_FROM: readonly CallStatus[] = ["queued", "scheduled", RETRY_PENDING_STATUS];

/**
 * Cancels a scheduled or queued call, or one waiting for a retry (SPEC §2, §9), for the webhook, the REST API,
 * the dashboard and the admin CLI alike. Invariants:
 * - Postgres decides, in ONE conditional statement: scheduled|queued|retry-pending → canceled, the credit
 *   refunded, the event ("canceled by <by>") appended. A cancel racing a dialer's claim either wins (nothing is
 *   dialled) or loses (409 call_not_cancelable with the current status); a second cancel refunds nothing. A
 *   call that moved between these under the statement is tried again from where it is (at most 3 rounds).
 * - A dialing call being placed (no retry pending) is refused with 409: it may already be up at the provider.
 * - 404 call_not_found for an unknown, deleted or other organisation's call.
 * - Removing the BullMQ job afterwards is best effort: a dialer re-checks the status before dialling, so a
 *   job left behind dials nothing. Its failure is logged (ids only) and the answer is still a success.
 */
export async function cancelCall(deps: CallUseCaseDeps, request: CallRequest): Promise<CanceledCall> {
  let from: CallStatus = "queued";
  const tried = new Set<CallStatus>();
  for (let round = 0; ; round++) {
    tried.add(from);
    const result = await transitionCall(deps.sql, {
      callId: request.callId,
      orgId: request.orgId,
      from,
      to: "canceled",
      detail: `canceled by ${request.by}`,
      endReason: "canceled",
      retryPending: from === RETRY_PENDING_STATUS,
    });
    if (result.moved) break;
    if (result.current === null) throw callNotFound(request.field);
    const current = result.current;
    if (round < 3 && CANCELABLE_FROM.includes(current) && !tried.has(current)) {
      from = current;
      continue;
    }
    throw new ApiError(
      "call_not_cancelable",
      `The call is ${current}; only a scheduled or queued call, or one waiting for a retry, can be canceled.`,
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
