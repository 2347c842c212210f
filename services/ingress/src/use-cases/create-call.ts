import { ApiError, type CreateCallData, newId } from "@inbound/contracts";
import { type CreateCallInput, type CreateCallResult, createdCallAt, mayHaveCommitted, settleFailedWrite } from "@inbound/db";
import { formatCallingHours, planOrder } from "@inbound/orders";
import { enqueueCall } from "@inbound/queue";
import { serviceUnavailable, withTimeout } from "../http/unavailable";
import type { ActionContext, ActionDeps, ActionResult, CreatedCall } from "./action";

export const CALL_QUEUED_MESSAGE = "Call has been queued successfully.";
export const CALL_SCHEDULED_MESSAGE = "Call has been scheduled";

/** A policy that changed under a create is planned again at most this many times (then 503: something is off). */
const MAX_PLANS = 3;

/**
 * call.create, for both transports. The Postgres commit is the point of no return (SPEC §2):
 * - ONE statement reserves the credit and inserts the queued call (and, when keyed, stores the 201 in the
 *   record this request claimed, only while that claim is still held);
 * - once it committed the answer is 201, whatever happens next. The BullMQ add (jobId = call id, ids only)
 *   follows; if Redis refuses or times out, the call stays queued and the dialer's reconciler enqueues it
 *   (queued calls without a job, after RECONCILE_AFTER_MS). A duplicate add is a no-op (same job id), and a
 *   call is dialled only by the one claim queued → dialing, so a late add never dials twice;
 * - a 503 therefore always means nothing was committed. When the statement's outcome is unknown (the
 *   connection broke after it was sent), the call is looked up by its id before answering.
 */
export async function createCall(deps: ActionDeps, ctx: ActionContext, data: CreateCallData): Promise<ActionResult> {
  const cost = deps.config.CALL_COST_CREDITS;
  const callId = newId("call");
  for (let plan = 1; ; plan++) {
    const policy = await deps.policies.get(ctx.orgId);
    if (!policy) throw serviceUnavailable("database");
    // SPEC §9: the schedule window, calling hours in the number's zones, the redial policy; 400/422 here.
    const planned = planOrder(data, policy, deps.clock.now(), ctx.transport.field);
    const call: CreatedCall = {
      id: callId,
      agentId: data.agent_id,
      contactNumber: data.contact_number,
      contactName: data.contact_name ?? null,
      contactEmail: data.contact_email ?? null,
      additionalInfo: data.additional_info ?? null,
      createdAt: null,
      status: planned.order.status,
      dueAt: planned.order.dueAt,
      order: {
        not_before: planned.order.notBefore,
        not_after: planned.order.notAfter,
        calling_hours: planned.hours ? formatCallingHours(planned.hours) : null,
        time_zones: planned.order.timeZones,
        due_at: planned.order.dueAt,
        retry: planned.order.retryPolicy,
        window_decisions: [planned.order.decision],
      },
    };
    // The 201 as this request's transport answers it; stored with the call when the request is keyed.
    const stored = ctx.transport.created(call);

    const outcome = await commitCreate(deps, ctx, {
      callId,
      orgId: ctx.orgId,
      agentId: data.agent_id,
      contactNumber: data.contact_number,
      contactName: data.contact_name ?? null,
      contactEmail: data.contact_email ?? null,
      additionalInfo: data.additional_info ?? null,
      cost,
      requestId: ctx.requestId,
      idempotency: ctx.idempotency
        ? { ...ctx.idempotency, status: 201, body: stored.body, stampCreatedAt: stored.stampCreatedAt }
        : undefined,
      order: planned.order,
    });
    switch (outcome.outcome) {
      case "created":
        return finishCreate(deps, ctx, { ...call, createdAt: outcome.createdAt });
      case "policy_changed":
        deps.policies.forget(ctx.orgId);
        if (plan >= MAX_PLANS) throw serviceUnavailable("database");
        continue;
      case "agent_not_found":
        throw new ApiError(
          "agent_not_found",
          "agent_id does not match any agent of this organisation.",
          ctx.transport.field("agent_id"),
        );
      case "claim_lost":
        throw idempotencyKeyInFlight();
      case "opted_out":
        throw new ApiError(
          "recipient_opted_out",
          "This number is on the organisation's do-not-call list: it will not be called. Remove it from the list first if the person asked to be called again.",
          ctx.transport.field("contact_number"),
        );
      case "duplicate":
        throw new ApiError(
          "duplicate_recipient",
          `This number already has a call (${outcome.duplicateOf}) within the organisation's dedupe window of ${policy.dedupeWindowMinutes} minutes.`,
          ctx.transport.field("contact_number"),
          { call_id: outcome.duplicateOf },
        );
      case "insufficient_credits":
        deps.metrics.creditsRefused.inc();
        throw new ApiError(
          "insufficient_credits",
          `The organisation has ${outcome.balance} credits and a call costs ${cost}. Add credits, then retry.`,
          undefined,
          { balance: outcome.balance, cost },
        );
    }
  }
}

/** After the commit (the point of no return): a queued call's job; a scheduled one waits for the reconciler. */
async function finishCreate(deps: ActionDeps, ctx: ActionContext, call: CreatedCall): Promise<ActionResult> {
  const callId = call.id;
  if (call.status === "queued") await enqueueAfterCommit(deps, ctx, callId);
  const { body } = ctx.transport.created(call);
  return { status: 201, body, stored: Boolean(ctx.idempotency) };
}

async function enqueueAfterCommit(deps: ActionDeps, ctx: ActionContext, callId: string): Promise<void> {
  try {
    await withTimeout(enqueueCall(deps.queues, { callId, orgId: ctx.orgId }), deps.config.REDIS_TIMEOUT_MS, "enqueue");
  } catch (error) {
    deps.metrics.enqueueDeferred.inc();
    deps.logger.warn(
      { request_id: ctx.requestId, org_id: ctx.orgId, call_id: callId, error_name: (error as Error)?.name },
      "call committed but its job was not enqueued; the dialer's reconciler will enqueue it",
    );
  }
}

/**
 * A 503 after which the call may nevertheless exist (Postgres never answered the check): the request's
 * replay guard and Idempotency-Key are kept, so a resent request cannot create a second call.
 */
export class OutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super("the create statement's outcome is unknown", { cause });
    this.name = "OutcomeUnknownError";
  }
}

export function idempotencyKeyInFlight(): ApiError {
  return new ApiError(
    "idempotency_key_in_flight",
    "A request with this Idempotency-Key is still being processed. Retry after it has completed.",
    "Idempotency-Key",
    {},
    { "Retry-After": "1" },
  );
}

/**
 * Runs the create statement; when it failed in a way that may still have committed, reads the call back
 * by its id once Postgres has settled it (settleFailedWrite). Found: it was created. Not found: nothing
 * was (503). No answer: 503 as OutcomeUnknownError.
 */
async function commitCreate(deps: ActionDeps, ctx: ActionContext, input: CreateCallInput): Promise<CreateCallResult> {
  try {
    return await deps.createQueuedCall(input);
  } catch (error) {
    if (!mayHaveCommitted(error)) throw error;
    const settled = await settleFailedWrite(error, {
      timeoutMs: deps.config.DATABASE_TIMEOUT_MS,
      readBack: () => createdCallAt(deps.sql, { callId: input.callId, orgId: ctx.orgId }),
    });
    const log = { request_id: ctx.requestId, org_id: ctx.orgId, call_id: input.callId };
    if (settled.outcome === "unknown") {
      deps.logger.error(log, "create statement outcome unknown: Postgres did not answer the check");
      throw new OutcomeUnknownError(error);
    }
    deps.logger.warn({ ...log, committed: settled.outcome === "present" }, "create statement outcome resolved by reading the call");
    if (settled.outcome === "present") return { outcome: "created", createdAt: settled.value };
    throw serviceUnavailable("database");
  }
}
