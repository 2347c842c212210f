import { randomUUID } from "node:crypto";
import { cancelCall, deleteCall } from "@inbound/calls";
import { type Action, ApiError, type CallRefData } from "@inbound/contracts";
import {
  type CreateCallInput,
  claimIdempotencyKey,
  createBatcher,
  createQueuedCalls,
  releaseIdempotencyKey,
  storeIdempotentResponse,
} from "@inbound/db";
import { PolicyCache } from "@inbound/orders";
import type { Response } from "express";
import type { IngressDeps } from "../deps";
import { requestContext } from "../http/context";
import type { IngressMetrics } from "../metrics";
import type { ActionContext, ActionDeps, ActionResult } from "./action";
import { createCall, idempotencyKeyInFlight, OutcomeUnknownError } from "./create-call";

/** The ingress fails every waiting request at once when Postgres is down: each would only wait for the same timeout. */
export const INGRESS_BATCHING = { maxBatch: 64, concurrency: 2, failWaitingWhenUnavailable: true } as const;

type ActionHandler = (deps: ActionDeps, ctx: ActionContext, data: never) => Promise<ActionResult>;

/** The request as @inbound/calls' use cases take it: who asks, and how this transport names call_id. */
const callRequest = (ctx: ActionContext, data: CallRefData) => ({
  orgId: ctx.orgId,
  callId: data.call_id,
  by: ctx.transport.name,
  field: ctx.transport.field("call_id"),
  requestId: ctx.requestId,
});

/** cancel and delete are @inbound/calls' (the dashboard's and the admin CLI's too); the transport shapes the 200. */
const ACTION_HANDLERS: Record<Action, ActionHandler> = {
  "call.create": createCall,
  "call.cancel": async (deps, ctx, data: CallRefData) => {
    await cancelCall(deps, callRequest(ctx, data));
    return { status: 200, body: await ctx.transport.canceled(deps, ctx, data.call_id) };
  },
  "call.delete": async (deps, ctx, data: CallRefData) => {
    await deleteCall(deps, callRequest(ctx, data));
    return { status: 200, body: ctx.transport.deleted(data.call_id) };
  },
};

export interface ActionRunner {
  deps: ActionDeps;
  /**
   * Runs an action for either transport: with an Idempotency-Key (ctx.idempotencyKey), claims the key for
   * the request's hash first and answers 422 (other request), 409 (still in flight) or the stored response
   * (a replay, with Idempotent-Replayed: true); without one, just runs it.
   */
  execute(ctx: ActionContext, action: Action, data: unknown, requestHash: string, res: Response): Promise<ActionResult>;
}

/** One per ingress: the use cases' dependencies (one create batcher for both transports) and the idempotency rules. */
export function createActionRunner(deps: IngressDeps, metrics: IngressMetrics): ActionRunner {
  const { config, db, logger } = deps;
  // The hot path runs on the pg pool behind Prisma as named prepared statements: measured against
  // Prisma's $queryRaw, it halved Postgres CPU per create (no re-planning) and cut ingress CPU by a quarter.
  const sql = db.pool;
  const actionDeps: ActionDeps = {
    config,
    db,
    sql,
    // One create statement in flight: the creates arriving meanwhile go together in the next one.
    // Bounded: past INGRESS_MAX_WAITING creates waiting, a request is answered 503 at once.
    createQueuedCall: createBatcher((inputs: CreateCallInput[]) => createQueuedCalls(sql, inputs), {
      ...INGRESS_BATCHING,
      maxWaiting: config.INGRESS_MAX_WAITING,
      concurrency: 1,
    }),
    queues: deps.queues,
    logger,
    metrics,
    policies: new PolicyCache(sql),
    clock: { now: () => new Date(deps.clock ? deps.clock() : Date.now()) },
  };

  function runAction(ctx: ActionContext, action: Action, data: unknown): Promise<ActionResult> {
    return ACTION_HANDLERS[action](actionDeps, ctx, data as never);
  }

  async function runIdempotent(
    baseCtx: ActionContext,
    action: Action,
    data: unknown,
    hash: string,
    res: Response,
  ): Promise<ActionResult> {
    const key = baseCtx.idempotencyKey as string;
    // This request's claim: the keyed create statement runs only while the record still names it.
    const owner = randomUUID();
    const ctx: ActionContext = { ...baseCtx, idempotency: { key, owner } };
    const claim = await claimIdempotencyKey(sql, {
      orgId: ctx.orgId,
      key,
      owner,
      requestHash: hash,
      lockSeconds: config.IDEMPOTENCY_LOCK_SECONDS,
      ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    });
    switch (claim.state) {
      case "mismatch":
        throw new ApiError(
          "idempotency_key_reused",
          "This Idempotency-Key was already used with a different body. Use a new key for a different request.",
          "Idempotency-Key",
        );
      case "in_flight":
        throw idempotencyKeyInFlight();
      case "done": {
        res.setHeader("Idempotent-Replayed", "true");
        const body = claim.response.body as Record<string, unknown>;
        const code = (body?.error as { code?: string } | undefined)?.code;
        if (code) requestContext(res).code = code;
        return { status: claim.response.status, body };
      }
    }
    let result: ActionResult;
    try {
      result = await runAction(ctx, action, data);
    } catch (error) {
      if (error instanceof ApiError && error.code === "idempotency_key_in_flight") {
        // The claim lapsed and another request holds the key: its answer is the one to store, not ours.
      } else if (error instanceof ApiError && error.status < 500) {
        await store({ status: error.status, body: error.toBody() as unknown as Record<string, unknown> });
      } else if (!(error instanceof OutcomeUnknownError)) {
        await releaseIdempotencyKey(sql, { orgId: ctx.orgId, key, owner }).catch(() =>
          logger.warn(
            { request_id: ctx.requestId },
            "could not release an Idempotency-Key claim; it frees itself when its lock expires",
          ),
        );
      }
      throw error;
    }
    if (!result.stored) await store(result);
    return result;

    async function store(response: { status: number; body: Record<string, unknown> }): Promise<void> {
      try {
        await storeIdempotentResponse(sql, { orgId: ctx.orgId, key, owner, response });
      } catch {
        // The action is done; a repeat after the lock expires runs it again (cancel and delete then answer 409/404).
        logger.warn({ request_id: ctx.requestId }, "could not store the idempotent response");
      }
    }
  }

  return {
    deps: actionDeps,
    execute: (ctx, action, data, hash, res) =>
      ctx.idempotencyKey ? runIdempotent(ctx, action, data, hash, res) : runAction(ctx, action, data),
  };
}
