import { isRetryPending } from "@inbound/contracts";
import { type Logger, type PeriodicLoop, startPeriodic } from "@inbound/logging";
import type { Queues } from "@inbound/queue";
import type { Redis } from "ioredis";
import type { DialerContext } from "../context";
import { createRedisDialerJobs, type DialerJobs, type JobLiveness } from "../ports/dialer-jobs";
import { lostCallOf } from "./end-lost-call";
import { reattachCall } from "./reattach-call";

export interface ReconcilerOptions {
  /** A queued call or an unpurged deletion older than this, without a live job, gets its job again. */
  afterMs: number;
  /** A call in dialing/ringing/in_progress idle for this long, without a live job, was lost. */
  stuckAfterMs: number;
  purgeMaxAttempts: number;
  batchSize?: number;
}

export interface ReconcileReport {
  requeuedCalls: string[];
  requeuedPurges: string[];
  endedLostCalls: string[];
  /** Live calls whose provider was asked where they are (and that carry on). */
  reattachedCalls: string[];
  /** Claimed, never placed at a provider that finds dials by our reference: next attempt scheduled. */
  unplacedRescheduled: string[];
  retriesRequeued: string[];
  /** Expired Idempotency-Key records deleted this round. */
  sweptIdempotencyRecords: number;
}

/**
 * Repairs what a crash between two systems can leave behind; every step is conditional or idempotent,
 * so any number of dialers may run it at once:
 * - a queued call without a live job (the ingress died between its commit and the enqueue, or the job
 *   failed) is enqueued again under the same jobId (BullMQ ignores a second add of a live id);
 * - a deletion whose provider purge is not done and has no live purge job gets its purge job again;
 * - a call in dialing/ringing/in_progress that no provider event moved for stuckAfterMs is re-attached:
 *   its provider is asked where it is (reattachCall), which may end it (gone at the provider, or past
 *   CALL_MAX_DURATION_MS), whatever Redis says; one waiting for a transient retry whose job is gone is
 *   re-enqueued;
 * - expired Idempotency-Key records (past IDEMPOTENCY_TTL_SECONDS) are deleted, a batch per round.
 */
export function createReconciler(ctx: DialerContext, queues: Queues, redis: Redis, options: ReconcilerOptions) {
  return createReconcilerOver(ctx, createRedisDialerJobs(queues, redis, options.purgeMaxAttempts), options);
}

/** The reconciler over its two ports: storage (ctx.store) and the dialer's jobs. */
export function createReconcilerOver(ctx: DialerContext, jobs: DialerJobs, options: Omit<ReconcilerOptions, "purgeMaxAttempts">) {
  const batch = options.batchSize ?? 500;
  let cursor: { queuedAt: Date; id: string } | null = null;

  async function requeueQueuedCalls(report: ReconcileReport): Promise<void> {
    const calls = await ctx.store.findQueuedCalls({ olderThanMs: options.afterMs, limit: batch, after: cursor });
    // Walk a long backlog page by page across rounds; start over from the oldest after the last page.
    cursor = calls.length === batch ? { queuedAt: calls[calls.length - 1]!.queuedAt, id: calls[calls.length - 1]!.id } : null;
    const states = await jobs.states(
      "call",
      calls.map((c) => c.id),
    );
    for (const [i, call] of calls.entries()) {
      const found = states[i]!;
      if (found.state === "live" || (found.state === "finished" && found.finishedAgoMs < options.afterMs)) continue;
      await jobs.requeueCall({ callId: call.id, orgId: call.orgId }, found);
      report.requeuedCalls.push(call.id);
      ctx.logger.warn(
        { callId: call.id, requestId: call.requestId ?? undefined, job: found.state },
        "queued call had no job: enqueued again",
      );
    }
  }

  async function requeuePurges(report: ReconcileReport): Promise<void> {
    const deletions = await ctx.store.findUnpurgedDeletions({ olderThanMs: options.afterMs, limit: batch });
    const states = await jobs.states(
      "purge",
      deletions.map((d) => d.callId),
    );
    for (const [i, deletion] of deletions.entries()) {
      const found = states[i]!;
      if (found.state === "live" || (found.state === "finished" && found.finishedAgoMs < options.afterMs)) continue;
      await jobs.requeuePurge({ callId: deletion.callId, orgId: deletion.orgId }, found);
      report.requeuedPurges.push(deletion.callId);
      ctx.logger.warn({ callId: deletion.callId, job: found.state }, "provider purge not done and no live job: enqueued again");
    }
  }

  async function resolveLostCalls(report: ReconcileReport): Promise<void> {
    // Live calls no provider event moved for a while (this process's placements in progress excepted).
    const calls = await ctx.store.findIdleLiveCalls({
      idleMs: options.stuckAfterMs,
      limit: batch,
      following: [...ctx.liveness.following],
    });
    // A pending retry lives in Redis (a delayed job): only its job can tell whether it is lost. Every other
    // live call lives at the provider and is judged by it (reattachCall), so this step works with Redis away.
    const waiting = calls.filter(isRetryPending);
    const jobStates = new Map<string, JobLiveness>();
    try {
      const states = await jobs.states(
        "call",
        waiting.map((c) => c.id),
      );
      for (const [i, c] of waiting.entries()) jobStates.set(c.id, states[i]!);
    } catch (error) {
      ctx.logger.warn({ err: (error as Error)?.name }, "reconcile: job states unreadable (Redis away?); live calls only");
    }
    for (const idle of calls) {
      if (isRetryPending(idle)) {
        const found = jobStates.get(idle.id);
        if (!found || found.state === "live") continue; // unknown, or its delayed job is still there
        // Waiting for a transient retry, nothing is up at the provider: dialing again is safe.
        await jobs.requeueCall({ callId: idle.id, orgId: idle.orgId }, found);
        report.retriesRequeued.push(idle.id);
        continue;
      }
      const call = await ctx.store.loadDialableCall({ callId: idle.id, orgId: idle.orgId });
      if (!call || isRetryPending(call)) continue;
      const outcome = await reattachCall(ctx, lostCallOf(call));
      if (outcome === "ended") report.endedLostCalls.push(call.id);
      if (outcome === "reattached") report.reattachedCalls.push(call.id);
      if (outcome === "retry_scheduled") report.unplacedRescheduled.push(call.id);
    }
  }

  async function sweepIdempotencyRecords(report: ReconcileReport): Promise<void> {
    report.sweptIdempotencyRecords = await ctx.store.sweepExpiredIdempotencyRecords(batch);
  }

  return {
    /** One round; each part runs even if another failed (Postgres or Redis away: next round retries). */
    async runOnce(): Promise<ReconcileReport> {
      const report: ReconcileReport = {
        requeuedCalls: [],
        requeuedPurges: [],
        endedLostCalls: [],
        reattachedCalls: [],
        unplacedRescheduled: [],
        retriesRequeued: [],
        sweptIdempotencyRecords: 0,
      };
      for (const step of [requeueQueuedCalls, requeuePurges, resolveLostCalls, sweepIdempotencyRecords]) {
        try {
          await step(report);
        } catch (error) {
          ctx.logger.warn({ step: step.name, err: (error as Error)?.name }, "reconcile step failed; next round retries");
        }
      }
      return report;
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;

/** Runs the reconciler every intervalMs (jittered, so N dialers spread out) until stopped; runOnce logs its own failures. */
export function startReconcilerLoop(reconciler: Reconciler, intervalMs: number, logger: Logger): PeriodicLoop {
  return startPeriodic("reconcile", intervalMs, () => reconciler.runOnce(), logger);
}
