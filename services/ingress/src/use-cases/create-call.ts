import { ApiError, type CreateCallData, newId } from "@inbound/contracts";
import { undoQueuedCall } from "@inbound/db";
import { enqueueCall } from "@inbound/queue";
import { serviceUnavailable, withTimeout } from "../http/unavailable";
import type { ActionContext, ActionDeps, ActionResult, CreatedCall } from "./action";

export const CALL_QUEUED_MESSAGE = "Call has been queued successfully.";

/**
 * call.create: ONE statement reserves the credit and inserts the queued call (and stores the keyed 201),
 * then ONE BullMQ add (jobId = call id, ids only). If the add fails, the call and its credit are undone
 * and the answer is 503, so a retry starts clean. If even the undo fails, the call stays queued and the
 * dialer's reconciler enqueues it (it re-enqueues queued calls without a job after RECONCILE_AFTER_MS).
 */
export async function createCall(deps: ActionDeps, ctx: ActionContext, data: CreateCallData): Promise<ActionResult> {
  const cost = deps.config.CALL_COST_CREDITS;
  const callId = newId("call");
  const call: CreatedCall = {
    id: callId,
    agentId: data.agent_id,
    contactNumber: data.contact_number,
    contactName: data.contact_name ?? null,
    contactEmail: data.contact_email ?? null,
    additionalInfo: data.additional_info ?? null,
    createdAt: null,
  };
  // The 201 as this request's transport answers it; stored with the call when the request is keyed.
  const stored = ctx.transport.created(call);

  const outcome = await deps.createQueuedCall({
    callId,
    orgId: ctx.orgId,
    agentId: data.agent_id,
    contactNumber: data.contact_number,
    contactName: data.contact_name ?? null,
    contactEmail: data.contact_email ?? null,
    additionalInfo: data.additional_info ?? null,
    cost,
    requestId: ctx.requestId,
    idempotency: ctx.idempotencyKey
      ? { key: ctx.idempotencyKey, status: 201, body: stored.body, stampCreatedAt: stored.stampCreatedAt }
      : undefined,
  });
  if (outcome.outcome === "agent_not_found") {
    throw new ApiError(
      "agent_not_found",
      "agent_id does not match any agent of this organisation.",
      ctx.transport.field("agent_id"),
    );
  }
  if (outcome.outcome === "insufficient_credits") {
    deps.metrics.creditsRefused.inc();
    throw new ApiError(
      "insufficient_credits",
      `The organisation has ${outcome.balance} credits and a call costs ${cost}. Add credits, then retry.`,
      undefined,
      { balance: outcome.balance, cost },
    );
  }

  try {
    await withTimeout(
      enqueueCall(deps.queues, { callId, orgId: ctx.orgId, requestId: ctx.requestId }),
      deps.config.REDIS_TIMEOUT_MS,
      "enqueue",
    );
  } catch (error) {
    await undoCreate(deps, ctx, callId, error);
    throw serviceUnavailable("queue");
  }
  const { body } = ctx.transport.created({ ...call, createdAt: outcome.createdAt });
  return { status: 201, body, stored: Boolean(ctx.idempotencyKey) };
}

async function undoCreate(deps: ActionDeps, ctx: ActionContext, callId: string, cause: unknown): Promise<void> {
  const log = { request_id: ctx.requestId, org_id: ctx.orgId, call_id: callId, error_name: (cause as Error)?.name };
  try {
    const { removed } = await undoQueuedCall(deps.sql, {
      callId,
      orgId: ctx.orgId,
      idempotencyKey: ctx.idempotencyKey,
    });
    deps.logger.warn({ ...log, undone: removed }, "enqueue failed; call creation undone");
  } catch {
    deps.logger.error(log, "enqueue failed and the undo failed too; the dialer's reconciler will enqueue the queued call");
  }
}
