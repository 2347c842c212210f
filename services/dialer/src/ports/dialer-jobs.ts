import { type CallJob, enqueueCall, enqueuePurge, type PurgeJob, purgeJobId, type Queues } from "@inbound/queue";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** Where a job stands in Redis: live (waiting, delayed, active), missing, or finished that long ago. */
export type JobLiveness = { state: "live" } | { state: "missing" } | { state: "finished"; finishedAgoMs: number };

/**
 * The dialer's port to its own queues, as the reconciler needs it: what state jobs are in (by call id), and
 * giving a call or a purge its job again. Implemented over BullMQ and Redis (createRedisDialerJobs), and in
 * memory by the reconciler's unit test.
 */
export interface DialerJobs {
  /** The state of each call's call job (or purge job), in order; one round trip; rejects when Redis is away. */
  states(kind: "call" | "purge", callIds: readonly string[]): Promise<JobLiveness[]>;
  /** Enqueues the call's job again (a finished job of the same id is removed first: BullMQ ignores a live id). */
  requeueCall(job: CallJob, found: JobLiveness): Promise<void>;
  requeuePurge(job: PurgeJob, found: JobLiveness): Promise<void>;
}

export function createRedisDialerJobs(queues: Queues, redis: Redis, purgeMaxAttempts: number): DialerJobs {
  const queueOf = (kind: "call" | "purge"): Queue => (kind === "call" ? queues.calls : queues.purges);
  const jobIdOf = (kind: "call" | "purge", callId: string) => (kind === "call" ? callId : purgeJobId(callId));
  /** A finished job keeps its id in Redis (removeOnComplete/removeOnFail keep it a while): remove it first. */
  async function replaceFinished(kind: "call" | "purge", callId: string, found: JobLiveness): Promise<void> {
    if (found.state === "finished")
      await queueOf(kind)
        .remove(jobIdOf(kind, callId))
        .catch(() => 0);
  }
  return {
    async states(kind, callIds) {
      if (callIds.length === 0) return [];
      const queue = queueOf(kind);
      const pipeline = redis.pipeline();
      for (const callId of callIds) pipeline.hmget(queue.toKey(jobIdOf(kind, callId)), "timestamp", "finishedOn");
      const replies = (await pipeline.exec()) ?? [];
      const now = Date.now();
      return replies.map(([error, fields]): JobLiveness => {
        if (error) throw error;
        const [timestamp, finishedOn] = fields as (string | null)[];
        if (!timestamp) return { state: "missing" };
        if (finishedOn) return { state: "finished", finishedAgoMs: now - Number(finishedOn) };
        return { state: "live" };
      });
    },
    async requeueCall(job, found) {
      await replaceFinished("call", job.callId, found);
      await enqueueCall(queues, job);
    },
    async requeuePurge(job, found) {
      await replaceFinished("purge", job.callId, found);
      await enqueuePurge(queues, job, purgeMaxAttempts);
    },
  };
}
