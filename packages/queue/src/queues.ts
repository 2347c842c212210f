import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";

export const CALL_QUEUE = "calls";
export const PURGE_QUEUE = "purges";

/**
 * A call job as producers give it and the dialer reads it: identifiers only (no phone number, name, email
 * or additional_info ever enters Redis). The request id of the creating webhook is not carried: the call's
 * row has it.
 */
export interface CallJob {
  callId: string;
  orgId: string;
}

/**
 * What a call job stores in Redis: the call id is the job id, the data holds the organisation alone. Every
 * field of a job's hash (data, opts) must stay under Redis' listpack limit (hash-max-listpack-value, 64 B):
 * one longer field turns the hash into a hashtable, about 500 B more per queued call.
 */
export interface CallJobData {
  orgId: string;
}

/** The call job a stored job stands for (its id is the call id). */
export function callJobOf(job: { id?: string; data: CallJobData }): CallJob {
  return { callId: job.id ?? "", orgId: job.data.orgId };
}

export interface PurgeJob {
  callId: string;
  orgId: string;
}

/**
 * A call job's own options: its id only (the call id: one live job per call). BullMQ's defaults do the
 * rest: one attempt (retries of transient provider errors are scheduled by the dialer itself, see
 * dial-call; a worker crash is resolved on redelivery), and how long finished jobs are kept is the
 * worker's setting (callWorkerRetention), not stored in every job.
 */
export const callJobOptions = (callId: string): JobsOptions => ({ jobId: callId });

/** Finished call jobs kept (an hour, a week when failed): set on the worker that finishes them. */
export const callWorkerRetention = {
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
} as const;

export const purgeJobOptions = (maxAttempts: number): JobsOptions => ({
  attempts: maxAttempts,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
});

export const purgeJobId = (callId: string) => `purge-${callId}`;

export interface Queues {
  calls: Queue<CallJobData>;
  purges: Queue<PurgeJob>;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const calls = new Queue<CallJobData>(CALL_QUEUE, { connection, prefix });
  const purges = new Queue<PurgeJob>(PURGE_QUEUE, { connection, prefix });
  // Queue errors (Redis away) reach the caller through the failed command.
  calls.on("error", () => undefined);
  purges.on("error", () => undefined);
  return {
    calls,
    purges,
    async close() {
      await Promise.allSettled([calls.close(), purges.close()]);
    },
  };
}

export const CALL_JOB_NAME = "dial";

export async function enqueueCall(queues: Queues, job: CallJob): Promise<void> {
  await queues.calls.add(CALL_JOB_NAME, { orgId: job.orgId }, callJobOptions(job.callId));
}

/** Enqueues many calls in one round trip (same jobs as enqueueCall). */
export async function enqueueCalls(queues: Queues, jobs: readonly CallJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queues.calls.addBulk(
    jobs.map((job) => ({ name: CALL_JOB_NAME, data: { orgId: job.orgId }, opts: callJobOptions(job.callId) })),
  );
}

export async function enqueuePurge(queues: Pick<Queues, "purges">, job: PurgeJob, maxAttempts: number): Promise<void> {
  await queues.purges.add("purge", job, { ...purgeJobOptions(maxAttempts), jobId: purgeJobId(job.callId) });
}
