import type { JobsOptions } from "bullmq";
import { idField, payloadObject } from "./job-ids";

/**
 * The call job, declared once: its queue, name, id, options, stored payload, and the check a worker runs
 * on what it reads back (callJob.parse).
 *
 * Stored format (trimmed, ids only): the call id is the job id, the data holds the organisation alone. No
 * phone number, name, email or additional_info ever enters Redis; the creating request's id is not carried
 * (the call's row has it). Every field of a job's hash (data, opts) must stay under Redis' listpack limit
 * (hash-max-listpack-value, 64 B): one longer field turns the hash into a hashtable, about 500 B more per
 * queued call (the budget is 512 B a queued call).
 */
export const CALL_QUEUE = "calls";
export const CALL_JOB_NAME = "dial";

/** A call job as producers give it and the dialer reads it: identifiers only. */
export interface CallJob {
  callId: string;
  orgId: string;
}

/** What a call job stores in Redis besides its id (the call id). */
export interface CallJobData {
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

export const callJob = {
  queue: CALL_QUEUE,
  name: CALL_JOB_NAME,
  /** One live job per call: the job id is the call id. */
  id: (callId: string) => callId,
  options: callJobOptions,
  data: (job: CallJob): CallJobData => ({ orgId: job.orgId }),
  /** The call job a stored job stands for; UnrecoverableError when its id or data is malformed. */
  parse(job: { id?: string; data: unknown }): CallJob {
    const data = payloadObject(job.data, CALL_QUEUE);
    return { callId: idField(job.id, CALL_QUEUE, "id"), orgId: idField(data.orgId, CALL_QUEUE, "orgId") };
  },
} as const;
