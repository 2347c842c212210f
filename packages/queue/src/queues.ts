import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";

export const CALL_QUEUE = "calls";
export const PURGE_QUEUE = "purges";

/** Identifiers only: no phone number, name, email or additional_info ever enters Redis. */
export interface CallJob {
  callId: string;
  orgId: string;
  /** The X-Request-Id of the webhook that created the call, to follow it through the logs. */
  requestId?: string;
}

export interface PurgeJob {
  callId: string;
  orgId: string;
}

export const callJobOptions = (): JobsOptions => ({
  // Retries of transient provider errors are scheduled by the dialer itself (see dial-call); BullMQ's own
  // attempts only cover a worker crash, which the dialer resolves on redelivery.
  attempts: 1,
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
});

export const purgeJobOptions = (maxAttempts: number): JobsOptions => ({
  attempts: maxAttempts,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
});

export const purgeJobId = (callId: string) => `purge-${callId}`;

export interface Queues {
  calls: Queue<CallJob>;
  purges: Queue<PurgeJob>;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const calls = new Queue<CallJob>(CALL_QUEUE, { connection, prefix });
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

export async function enqueueCall(queues: Queues, job: CallJob): Promise<void> {
  await queues.calls.add("dial", job, { ...callJobOptions(), jobId: job.callId });
}

export async function enqueuePurge(queues: Queues, job: PurgeJob, maxAttempts: number): Promise<void> {
  await queues.purges.add("purge", job, { ...purgeJobOptions(maxAttempts), jobId: purgeJobId(job.callId) });
}
