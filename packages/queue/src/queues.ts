import { Queue } from "bullmq";
import { CALL_QUEUE, type CallJob, type CallJobData, callJob } from "./jobs/call-job";
import { PURGE_QUEUE, type PurgeJob, purgeJob } from "./jobs/purge-job";
import type { Redis } from "ioredis";

export * from "./jobs/call-job";
export * from "./jobs/purge-job";

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

export async function enqueueCall(queues: Queues, job: CallJob): Promise<void> {
  await queues.calls.add(callJob.name, callJob.data(job), callJob.options(job.callId));
}

/** Enqueues many calls in one round trip (same jobs as enqueueCall). */
export async function enqueueCalls(queues: Queues, jobs: readonly CallJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queues.calls.addBulk(
    jobs.map((job) => ({ name: callJob.name, data: callJob.data(job), opts: callJob.options(job.callId) })),
  );
}

export async function enqueuePurge(queues: Pick<Queues, "purges">, job: PurgeJob, maxAttempts: number): Promise<void> {
  await queues.purges.add(purgeJob.name, purgeJob.data(job), purgeJob.options(job.callId, maxAttempts));
}
