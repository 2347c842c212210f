import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";

/** Status-webhook deliveries: their own queue, so call jobs and deliveries never wait for each other. */
export const WEBHOOK_QUEUE = "webhooks";

/**
 * Identifiers only: the message and its hand-off number (the job id is `${messageId}-${handoff}`). The
 * payload, the URL and the secrets stay in Postgres.
 */
export interface WebhookJob {
  messageId: string;
  handoff: number;
}

export const webhookJobId = (job: WebhookJob) => `${job.messageId}-${job.handoff}`;

/** Postgres schedules retries (next_attempt_at); a job is one attempt, removed when done. */
export const webhookJobOptions = (): JobsOptions => ({
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600, count: 10_000 },
});

export function createWebhookQueue(connection: Redis, prefix: string): Queue<WebhookJob> {
  const queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection, prefix });
  queue.on("error", () => undefined);
  return queue;
}

/** Adds the jobs of hand-offs (BullMQ ignores a second add of a live job id). */
export async function enqueueWebhookJobs(queue: Queue<WebhookJob>, jobs: readonly WebhookJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(jobs.map((data) => ({ name: "deliver", data, opts: { ...webhookJobOptions(), jobId: webhookJobId(data) } })));
}
