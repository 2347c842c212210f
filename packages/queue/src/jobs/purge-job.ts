import type { JobsOptions } from "bullmq";
import { idField, payloadObject } from "./job-ids";

/**
 * The provider-purge job of a deleted call, declared once: queue, name, id (one per call), options
 * (retried with backoff up to PURGE_MAX_ATTEMPTS; audit-relevant failures kept 30 days), payload (ids
 * only) and the check a worker runs on what it reads back (purgeJob.parse).
 */
export const PURGE_QUEUE = "purges";
export const PURGE_JOB_NAME = "purge";

export interface PurgeJob {
  callId: string;
  orgId: string;
}

export const purgeJobOptions = (maxAttempts: number): JobsOptions => ({
  attempts: maxAttempts,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
});

export const purgeJobId = (callId: string) => `purge-${callId}`;

export const purgeJob = {
  queue: PURGE_QUEUE,
  name: PURGE_JOB_NAME,
  id: purgeJobId,
  options: (callId: string, maxAttempts: number): JobsOptions => ({ ...purgeJobOptions(maxAttempts), jobId: purgeJobId(callId) }),
  data: (job: PurgeJob): PurgeJob => ({ callId: job.callId, orgId: job.orgId }),
  /** The purge a stored job asks for; UnrecoverableError when its data is malformed. */
  parse(job: { data: unknown }): PurgeJob {
    const data = payloadObject(job.data, PURGE_QUEUE);
    return { callId: idField(data.callId, PURGE_QUEUE, "callId"), orgId: idField(data.orgId, PURGE_QUEUE, "orgId") };
  },
} as const;
