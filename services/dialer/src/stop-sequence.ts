import type { Server } from "node:http";
import { retireDialer } from "@inbound/db";
import { within } from "@inbound/logging";
import type { Worker } from "bullmq";
import type { DialerDeps } from "./deps";
import type { Heartbeat } from "./heartbeat";
import type { InFlight } from "./workers/in-flight";

/** After the deadline, how long aborted calls get to record their end before the dialer stops waiting. */
export const ABORT_GRACE_MS = 5000;
/** How long each of the two closing steps (workers; then queues, Redis, HTTP server, Postgres pool) may take. */
export const CLOSE_STEP_MS = 2000;
/** Past SHUTDOWN_TIMEOUT_MS, the most a stop takes: the abort grace, then the closing steps. */
export const SHUTDOWN_GRACE_MS = ABORT_GRACE_MS + 2 * CLOSE_STEP_MS;

export interface StopReport {
  clean: boolean;
  /** Jobs still running when the dialer stopped waiting for them. */
  abandonedJobs: number;
}

/** The running parts of a dialer a stop ends (see createDialerFromDeps). */
export interface RunningDialer {
  workers: readonly Worker[];
  inFlight: InFlight;
  /** Started before the workers' close is awaited; bounded by the deadline. */
  webhooks?: { stop(): Promise<void> };
  /** The reconciler and provider-event loops (undefined: never started). */
  loops: readonly ({ stop(): Promise<void> } | undefined)[];
  heartbeat?: Heartbeat;
  server: Server;
}

/**
 * The dialer's graceful stop, in order: take no new jobs; stop the loops, applying provider events and the
 * simulated provider's clock (the calls live on at the provider; other dialers carry them on); let
 * placements in flight finish until SHUTDOWN_TIMEOUT_MS, then abort them (BullMQ's processor signal); stop
 * the heartbeat and, when nothing was left running, retire the dialer (its calls are then recoverable at
 * once); close what it opened. Every wait is bounded (`within`): it always settles within
 * SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS, whatever Redis and Postgres do.
 */
export async function runStopSequence(deps: DialerDeps, running: RunningDialer): Promise<StopReport> {
  const { config, logger, provider } = deps;
  const { inFlight } = running;
  logger.info({ jobsInFlight: inFlight.size }, "dialer stopping: taking no new jobs");
  const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
  const untilDeadline = () => Math.max(0, deadline - Date.now());
  // BullMQ stops fetching at once; its close resolves once the running jobs' results are in Redis.
  const closing = Promise.allSettled([...running.workers.map((worker) => worker.close()), running.webhooks?.stop()]);
  await within(Promise.allSettled([...running.loops.map((loop) => loop?.stop()), provider.stop?.()]), untilDeadline());
  if (!(await within(inFlight.settled(), untilDeadline()))) {
    logger.warn(
      { timeoutMs: config.SHUTDOWN_TIMEOUT_MS, jobsInFlight: inFlight.size },
      "shutdown deadline reached: aborting the placements still in flight",
    );
    for (const worker of running.workers) worker.cancelAllJobs("dialer_shutdown");
    await within(inFlight.settled(), ABORT_GRACE_MS);
  }
  const abandonedJobs = inFlight.size;
  await within(running.heartbeat?.stop() ?? Promise.resolve(), CLOSE_STEP_MS);
  if (abandonedJobs > 0) {
    // Their calls are recovered by another dialer once this one's heartbeat is DIALER_DEAD_AFTER_MS old.
    logger.error({ abandonedJobs }, "in-flight jobs did not end after the deadline; leaving them to another dialer");
  } else {
    // Nothing of ours is left mid-call: saying so lets any call we might still own be recovered at once.
    await within(retireDialer(deps.database.pool, deps.dialerId), CLOSE_STEP_MS);
  }
  // Redis away: nothing can be recorded there, so do not wait (the jobs' locks expire; their calls are ended).
  const redisUp = deps.workerRedis.status === "ready";
  if (!(await within(closing, redisUp ? CLOSE_STEP_MS : 100)) && redisUp) logger.warn("workers did not close in time");
  const serverClosed = new Promise<void>((resolve) => running.server.close(() => resolve()));
  running.server.closeAllConnections();
  await within(
    Promise.allSettled([
      deps.queues.close().then(() => Promise.allSettled([deps.workerRedis.quit(), deps.clientRedis.quit()])),
      serverClosed,
      deps.ownsDatabase ? deps.database.close() : undefined,
    ]),
    CLOSE_STEP_MS,
  );
  deps.workerRedis.disconnect();
  deps.clientRedis.disconnect();
  logger.info({ clean: abandonedJobs === 0 }, "dialer stopped");
  return { clean: abandonedJobs === 0, abandonedJobs };
}
