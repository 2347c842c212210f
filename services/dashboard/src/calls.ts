import { ApiError, type CallStatus, TERMINAL_STATUSES } from "@inbound/contracts";
import { eraseCall, transitionCall } from "@inbound/db";
import { enqueuePurge } from "@inbound/queue";
import type { DashboardDeps } from "./deps";

/**
 * Cancel and delete from the dashboard: the same @inbound/db statements as the webhook's call.cancel and
 * call.delete (one conditional statement each, Postgres decides), the same error codes and messages (SPEC §2),
 * then the same best-effort queue step (remove the queued job / enqueue the provider purge).
 */
export const CALL_CANCELED_MESSAGE = "Call has been canceled.";
export const CALL_DELETED_MESSAGE = "Call has been deleted.";

export function callNotFound(): ApiError {
  return new ApiError("call_not_found", "No call with this call_id exists for this organisation.", "data.call_id");
}

export async function cancelCallFromDashboard(deps: DashboardDeps, orgId: string, callId: string): Promise<string> {
  const result = await transitionCall(deps.db.pool, {
    callId,
    orgId,
    from: "queued",
    to: "canceled",
    detail: "canceled from the dashboard",
    endReason: "canceled",
  });
  if (!result.moved) {
    if (result.current === null) throw callNotFound();
    throw new ApiError("call_not_cancelable", `The call is ${result.current}; only a queued call can be canceled.`, "data.call_id", {
      status: result.current,
    });
  }
  try {
    await deps.queues.calls.remove(callId);
  } catch {
    deps.logger.warn({ call_id: callId }, "could not remove the canceled call's job");
  }
  return CALL_CANCELED_MESSAGE;
}

export async function deleteCallFromDashboard(deps: DashboardDeps, orgId: string, callId: string): Promise<string> {
  const result = await eraseCall(deps.db.pool, { callId, orgId, requestId: null });
  if (!result.deleted) {
    if (result.current === null) throw callNotFound();
    throw new ApiError(
      "call_not_deletable",
      result.engaged
        ? `The call is ${result.current}; only a finished call can be deleted.`
        : `The call is ${result.current} and never connected; only a finished call that connected can be deleted.`,
      "data.call_id",
      { status: result.current },
    );
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      enqueuePurge(deps.queues, { callId, orgId }, deps.config.PURGE_MAX_ATTEMPTS),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), deps.config.REDIS_TIMEOUT_MS);
      }),
    ]);
  } catch {
    deps.logger.warn({ call_id: callId }, "purge job not enqueued; the dialer's reconciler will enqueue it");
  } finally {
    clearTimeout(timer);
  }
  return CALL_DELETED_MESSAGE;
}

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
