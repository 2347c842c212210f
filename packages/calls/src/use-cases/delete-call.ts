import { ApiError } from "@inbound/contracts";
import { eraseCall } from "@inbound/db";
import { enqueuePurge, withTimeout } from "@inbound/queue";
import type { CallRequest, CallUseCaseDeps } from "../call-use-case";
import { callNotFound } from "../errors";

export const CALL_DELETED_MESSAGE = "Call has been deleted.";

export interface DeletedCall {
  callId: string;
  message: typeof CALL_DELETED_MESSAGE;
}

/**
 * Deletes a finished call that connected (SPEC §2), for the webhook, the REST API, the dashboard and the
 * admin CLI alike. Invariants:
 * - ONE statement erases the call's PII in Postgres (number, name, email, additional info, transcript,
 *   recording, its Idempotency-Key record) and writes a PII-free deletion record; afterwards the call
 *   answers 404 everywhere.
 * - 409 call_not_deletable with the current status for a live call or one that never connected; 404
 *   call_not_found for an unknown, already deleted or other organisation's call.
 * - The provider purge job (ids only) follows within REDIS_TIMEOUT_MS; if Redis refuses it the answer is
 *   still a success: the erasure is done, and the dialers' reconciler enqueues purges not yet done.
 */
export async function deleteCall(deps: CallUseCaseDeps, request: CallRequest): Promise<DeletedCall> {
  const { callId, orgId } = request;
  const result = await eraseCall(deps.sql, { callId, orgId, requestId: request.requestId ?? null });
  if (!result.deleted) {
    if (result.current === null) throw callNotFound(request.field);
    throw new ApiError(
      "call_not_deletable",
      result.engaged
        ? `The call is ${result.current}; only a finished call can be deleted.`
        : `The call is ${result.current} and never connected; only a finished call that connected can be deleted.`,
      request.field,
      { status: result.current },
    );
  }
  try {
    await withTimeout(
      enqueuePurge(deps.queues, { callId, orgId }, deps.config.PURGE_MAX_ATTEMPTS),
      deps.config.REDIS_TIMEOUT_MS,
      "enqueue purge",
    );
  } catch {
    deps.logger.warn(
      { request_id: request.requestId ?? undefined, call_id: callId },
      "purge job not enqueued; the dialer's reconciler will enqueue it",
    );
  }
  return { callId, message: CALL_DELETED_MESSAGE };
}
