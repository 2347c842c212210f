import type { Config } from "@inbound/config";
import type { Logger } from "@inbound/logging";
import { errorCode } from "@inbound/logging";
import type { Worker } from "bullmq";
import type { Redis } from "ioredis";

/** What every dialer worker shares: the blocking connection, the lock settings, started by the dialer (autorun off). */
export function workerOptions(config: Config, connection: Redis) {
  return {
    connection,
    prefix: config.REDIS_PREFIX,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_STALLED_INTERVAL_MS,
    autorun: false,
  };
}

/**
 * A worker's log lines (PII-free). Redis away: ioredis retries every ≤ 2 s and each retry is an error, so
 * an error is logged on a change of error, or once a minute.
 */
export function logWorkerEvents(worker: Worker, queue: string, logger: Logger): void {
  let lastError = { code: "", at: 0 };
  worker.on("error", (error) => {
    const code = errorCode(error);
    if (code === lastError.code && Date.now() - lastError.at < 60_000) return;
    lastError = { code, at: Date.now() };
    logger.warn({ queue, err: code }, "worker error (Redis unreachable? retrying)");
  });
  worker.on("failed", (job, error) => logger.warn({ queue, jobId: job?.id, err: error.message }, "job failed"));
  worker.on("stalled", (jobId) => logger.warn({ queue, jobId }, "job stalled: its dialer stopped; redelivered"));
}
