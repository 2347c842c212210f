import { ApiError, type CallRefData } from "@inbound/contracts";
import { eraseCall } from "@inbound/db";
import { enqueuePurge } from "@inbound/queue";
import { withTimeout } from "../http/unavailable";
import type { ActionContext, ActionDeps, ActionResult } from "./action";
import { callNotFound } from "./cancel-call";

export const CALL_DELETED_MESSAGE = "Call has been deleted.";

/**
 * call.delete: erase the PII in Postgres in one statement (with a PII-free audit row), then hand the
 * dialer a purge job for the provider's copies. If Redis refuses the job the answer is still 200: the
 * erasure is done and the dialer's reconciler re-enqueues deletions not yet purged at the provider.
 */
export async function deleteCall(deps: ActionDeps, ctx: ActionContext, data: CallRefData): Promise<ActionResult> {
  const result = await eraseCall(deps.sql, { callId: data.call_id, orgId: ctx.orgId, requestId: ctx.requestId });
  if (!result.deleted) {
    if (result.current === null) throw callNotFound(ctx.transport.field("call_id"));
    throw new ApiError(
      "call_not_deletable",
      result.engaged
        ? `The call is ${result.current}; only a finished call can be deleted.`
        : `The call is ${result.current} and never connected; only a finished call that connected can be deleted.`,
      ctx.transport.field("call_id"),
      { status: result.current },
    );
  }
  try {
    await withTimeout(
      enqueuePurge(deps.queues, { callId: data.call_id, orgId: ctx.orgId }, deps.config.PURGE_MAX_ATTEMPTS),
      deps.config.REDIS_TIMEOUT_MS,
      "enqueue purge",
    );
  } catch {
    deps.logger.warn(
      { request_id: ctx.requestId, call_id: data.call_id },
      "purge job not enqueued; the dialer's reconciler will enqueue it",
    );
  }
  return { status: 200, body: ctx.transport.deleted(data.call_id) };
}
