import { type PurgeJob, purgeJob } from "@inbound/queue";
import { type Job, Worker } from "bullmq";
import type { DialerContext } from "../context";
import type { DialerDeps } from "../deps";
import { purgeCall } from "../use-cases/purge-call";
import type { InFlight } from "./in-flight";
import { instrumentJob } from "./instrument-job";
import { logWorkerEvents, workerOptions } from "./worker-options";

/** The purges queue's worker: hands each job to purgeCall (a failure throws; BullMQ retries it with backoff). */
export function createPurgeWorker(deps: DialerDeps, context: DialerContext, inFlight: InFlight): Worker<PurgeJob> {
  const worker = new Worker<PurgeJob>(
    purgeJob.queue,
    (job: Job<PurgeJob>) =>
      inFlight.track(instrumentJob(deps.metrics, purgeJob.queue, () => purgeCall(context, purgeJob.parse(job)))),
    { ...workerOptions(deps.config, deps.workerRedis), concurrency: Math.max(1, Math.min(10, deps.config.DIALER_CONCURRENCY)) },
  );
  logWorkerEvents(worker, purgeJob.queue, deps.logger);
  return worker;
}
