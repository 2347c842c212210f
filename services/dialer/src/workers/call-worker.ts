import { type CallJobData, callJob, callWorkerRetention } from "@inbound/queue";
import { DelayedError, type Job, Worker } from "bullmq";
import type { DialerContext } from "../context";
import type { DialerDeps } from "../deps";
import { dialCall } from "../use-cases/dial-call";
import type { InFlight } from "./in-flight";
import { instrumentJob } from "./instrument-job";
import { logWorkerEvents, workerOptions } from "./worker-options";

/** Never aborted: for a processor BullMQ gave no signal (it gives one to processors taking three arguments). */
const NEVER = new AbortController().signal;

/**
 * The calls queue's worker: hands each job to dialCall and does what its outcome asks of BullMQ. A retry
 * waits in Redis (the job moved to delayed), not in this process: a crash meanwhile loses nothing.
 * BullMQ's `signal` aborts the placement in flight (worker.cancelAllJobs at the shutdown deadline).
 */
export function createCallWorker(deps: DialerDeps, context: DialerContext, inFlight: InFlight): Worker<CallJobData> {
  const { config, logger } = deps;
  const worker = new Worker<CallJobData>(
    callJob.queue,
    (job: Job<CallJobData>, token?: string, signal?: AbortSignal) =>
      inFlight.track(instrumentJob(deps.metrics, callJob.queue, () => processCallJob(job, token, signal ?? NEVER))),
    { ...workerOptions(config, deps.workerRedis), ...callWorkerRetention, concurrency: config.DIALER_CONCURRENCY },
  );
  logWorkerEvents(worker, callJob.queue, logger);
  return worker;

  async function processCallJob(job: Job<CallJobData>, token: string | undefined, signal: AbortSignal) {
    const call = callJob.parse(job);
    const outcome = await dialCall(context, call, signal);
    if (outcome.kind === "retry") {
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    if (outcome.kind === "dropped") logger.info({ callId: call.callId, reason: outcome.reason }, "dial job dropped");
    return outcome; // ids, states and reasons only: it is stored in Redis
  }
}
