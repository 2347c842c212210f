import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Config } from "@inbound/config";
import { createDatabase, type Database, pruneDialers, retireDialer } from "@inbound/db";
import {
  CALL_QUEUE,
  type CallJobData,
  callJobOf,
  callWorkerRetention,
  createQueues,
  createRedis,
  PURGE_QUEUE,
  type PurgeJob,
  type Queues,
} from "@inbound/queue";
import { createWebhookWorker } from "@inbound/webhooks";
import { DelayedError, type Job, Worker } from "bullmq";
import { createCallStore } from "./call-store";
import { type DialerContext, perCallLogger } from "./context";
import { type Heartbeat, newDialerId, startHeartbeat } from "./heartbeat";
import { createProbeServer } from "./http/server";
import { createDialerMetrics, type DialerMetrics } from "./metrics";
import type { TelephonyProvider } from "./telephony/provider";
import { createProvider } from "./telephony/create-provider";
import { dialCall } from "./use-cases/dial-call";
import { errorCode, type Logger, probeReadiness, within } from "@inbound/logging";
import { purgeCall } from "./use-cases/purge-call";
import { createProviderEventPump, startProviderEventPump } from "./use-cases/provider-event-pump";
import { createReconciler, startReconcilerLoop } from "./use-cases/reconcile";

export interface DialerDeps {
  config: Config;
  logger: Logger;
  /** Defaults to a database of its own from config (closed on stop); a given one is left open. */
  database?: Database;
  /** Defaults to the provider config.TELEPHONY_PROVIDER names. */
  provider?: TelephonyProvider;
}

export interface Dialer {
  /** Starts the workers, the reconciler and the probe server; resolves once jobs are being taken. */
  start(): Promise<{ port: number }>;
  /**
   * Graceful stop: take no new jobs; stop applying provider events and the simulated provider's clock (the
   * calls live on at the provider; other dialers carry them on); let placements in flight finish until
   * SHUTDOWN_TIMEOUT_MS, then abort them; close everything it opened. Always settles within
   * SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS, whatever Redis and Postgres do; `clean` is false when a job
   * had to be left running (its call is then re-attached by another dialer).
   */
  stop(): Promise<StopReport>;
  readonly metrics: DialerMetrics;
  readonly queues: Queues;
  readonly context: DialerContext;
  /** Its row in `dialers` and the owner id of the calls it claims. */
  readonly dialerId: string;
}

export interface StopReport {
  clean: boolean;
  /** Jobs still running when the dialer stopped waiting for them. */
  abandonedJobs: number;
}

/** After the deadline, how long aborted calls get to record their end before the dialer stops waiting. */
const ABORT_GRACE_MS = 5000;
/** How long each of the two closing steps (workers; then queues, Redis, HTTP server, Postgres pool) may take. */
const CLOSE_STEP_MS = 2000;
/** Rows of dialers silent this long are deleted at start (a missing row counts as a dead dialer anyway). */
const PRUNE_DIALERS_AFTER_MS = 24 * 3600 * 1000;
/** Past SHUTDOWN_TIMEOUT_MS, the most a stop takes: the abort grace, then the closing steps. */
export const SHUTDOWN_GRACE_MS = ABORT_GRACE_MS + 2 * CLOSE_STEP_MS;

export function createDialer(deps: DialerDeps): Dialer {
  const { config, logger } = deps;
  const database =
    deps.database ??
    createDatabase({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
      applicationName: "dialer",
    });
  const provider =
    deps.provider ??
    createProvider(config, database.pool, (error) =>
      logger.warn({ err: errorCode(error) }, "simulated provider clock: round failed; retrying"),
    );
  // Workers block on Redis and must retry forever; probes, metrics and the reconciler fail fast instead.
  const workerRedis = createRedis({
    url: config.REDIS_URL,
    timeoutMs: config.REDIS_TIMEOUT_MS,
    role: "worker",
    name: "dialer-worker",
  });
  const clientRedis = createRedis({ url: config.REDIS_URL, timeoutMs: config.REDIS_TIMEOUT_MS, role: "client", name: "dialer" });
  const queues = createQueues(clientRedis, config.REDIS_PREFIX);
  const metrics = createDialerMetrics(async () => {
    const out: { queue: string; state: string; count: number }[] = [];
    for (const queue of [queues.calls, queues.purges]) {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      for (const [state, count] of Object.entries(counts)) out.push({ queue: queue.name, state, count });
    }
    return out;
  });
  const dialerId = newDialerId();
  const context: DialerContext = {
    sql: database.pool,
    calls: createCallStore(database.pool),
    provider,
    logger,
    callLog: perCallLogger(logger),
    metrics,
    dial: { maxAttempts: config.DIAL_MAX_ATTEMPTS, backoffMs: config.DIAL_BACKOFF_MS, maxCallMs: config.CALL_MAX_DURATION_MS },
    liveness: { dialerId, deadAfterMs: config.DIALER_DEAD_AFTER_MS, following: new Set() },
  };
  let heartbeat: Heartbeat | undefined;
  // Aborted at the shutdown deadline: every call still in flight is then hung up and ended.
  const shutdown = new AbortController();

  // Job handlers running now: what a stop waits for (BullMQ's own close also waits for Redis, which may be away).
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  };

  const workerOptions = {
    connection: workerRedis,
    prefix: config.REDIS_PREFIX,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_STALLED_INTERVAL_MS,
    autorun: false,
  };

  const callWorker = new Worker<CallJobData>(
    CALL_QUEUE,
    (job: Job<CallJobData>, token?: string) => track(processCallJob(job, token)),
    {
      ...workerOptions,
      ...callWorkerRetention,
      concurrency: config.DIALER_CONCURRENCY,
    },
  );

  async function processCallJob(job: Job<CallJobData>, token?: string) {
    const call = callJobOf(job);
    const started = performance.now();
    let result = "error";
    try {
      const outcome = await dialCall(context, call, shutdown.signal);
      result = outcome.kind;
      if (outcome.kind === "retry") {
        // The retry waits in Redis (a delayed job), not in this process: a crash meanwhile loses nothing.
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
      if (outcome.kind === "dropped") logger.info({ callId: call.callId, reason: outcome.reason }, "dial job dropped");
      return outcome; // ids, states and reasons only: it is stored in Redis
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      throw safeError(error);
    } finally {
      metrics.jobDuration.observe({ queue: CALL_QUEUE, result }, (performance.now() - started) / 1000);
    }
  }

  const purgeWorker = new Worker<PurgeJob>(PURGE_QUEUE, (job: Job<PurgeJob>) => track(processPurgeJob(job)), {
    ...workerOptions,
    concurrency: Math.max(1, Math.min(10, config.DIALER_CONCURRENCY)),
  });

  async function processPurgeJob(job: Job<PurgeJob>) {
    const started = performance.now();
    let result = "error";
    try {
      const outcome = await purgeCall(context, { callId: job.data.callId, orgId: job.data.orgId });
      result = outcome.kind;
      return outcome;
    } catch (error) {
      throw safeError(error);
    } finally {
      metrics.jobDuration.observe({ queue: PURGE_QUEUE, result }, (performance.now() - started) / 1000);
    }
  }

  for (const [name, worker] of [
    [CALL_QUEUE, callWorker],
    [PURGE_QUEUE, purgeWorker],
  ] as const) {
    // Redis away: ioredis retries every ≤ 2 s and each retry is an error; log a change of error, or once a minute.
    let lastError = { code: "", at: 0 };
    worker.on("error", (error) => {
      const code = errorCode(error);
      if (code === lastError.code && Date.now() - lastError.at < 60_000) return;
      lastError = { code, at: Date.now() };
      logger.warn({ queue: name, err: code }, "worker error (Redis unreachable? retrying)");
    });
    worker.on("failed", (job, error) => logger.warn({ queue: name, jobId: job?.id, err: error.message }, "job failed"));
    worker.on("stalled", (jobId) => logger.warn({ queue: name, jobId }, "job stalled: its dialer stopped; redelivered"));
  }

  const reconciler = createReconciler(context, queues, clientRedis, {
    afterMs: config.RECONCILE_AFTER_MS,
    stuckAfterMs: Math.max(config.RECONCILE_AFTER_MS, config.JOB_LOCK_MS + config.JOB_STALLED_INTERVAL_MS),
    purgeMaxAttempts: config.PURGE_MAX_ATTEMPTS,
  });
  let reconcileLoop: ReturnType<typeof startReconcilerLoop> | undefined;
  // Status-webhook delivery (relay, worker on its own queue, sweeper) runs here unless ops run it apart.
  const webhooks = config.WEBHOOK_WORKER_IN_DIALER
    ? createWebhookWorker({ config, logger, sql: database.pool, workerRedis, clientRedis, registry: metrics.registry })
    : undefined;
  const eventPump = createProviderEventPump(context, { pollMs: config.PROVIDER_EVENT_POLL_MS });
  let eventLoop: ReturnType<typeof startProviderEventPump> | undefined;

  const server = createProbeServer({
    registry: config.METRICS_ENABLED ? metrics.registry : undefined,
    admin: config.ADMIN_KEY ? { key: config.ADMIN_KEY, queues: [queues.calls, queues.purges] } : undefined,
    async checkReady() {
      const { postgres, redis } = await probeReadiness(
        { postgres: () => database.pool.query("SELECT 1"), redis: () => clientRedis.ping() },
        { postgres: config.DATABASE_TIMEOUT_MS, redis: config.REDIS_TIMEOUT_MS },
      );
      return { postgres, redis: redis && callWorker.isRunning() };
    },
  });

  let stopping: Promise<StopReport> | undefined;

  return {
    metrics,
    queues,
    context,
    dialerId,
    async start() {
      // Beating before any job is taken: a call claimed by this dialer must find its owner alive.
      heartbeat = startHeartbeat(database.pool, dialerId, config.DIALER_HEARTBEAT_MS, logger);
      void pruneDialers(database.pool, PRUNE_DIALERS_AFTER_MS).catch(() => undefined);
      server.listen(config.DIALER_PORT, config.DIALER_HOST);
      await once(server, "listening");
      void callWorker.run().catch((error) => logger.error({ err: errorCode(error) }, "call worker stopped"));
      void purgeWorker.run().catch((error) => logger.error({ err: errorCode(error) }, "purge worker stopped"));
      // With Redis away this waits (workers retry forever; /readyz answers 503 meanwhile); a stop ends it.
      await Promise.all([callWorker.waitUntilReady(), purgeWorker.waitUntilReady()]);
      if (stopping) throw new Error("dialer stopped while starting");
      reconcileLoop = startReconcilerLoop(reconciler, config.RECONCILE_INTERVAL_MS);
      await webhooks?.start();
      // Provider events wait in Postgres, not Redis: they are applied even while Redis is away.
      eventLoop = startProviderEventPump(eventPump, config.PROVIDER_EVENT_POLL_MS, (error) =>
        logger.warn({ err: errorCode(error) }, "provider events: round failed; retrying"),
      );
      provider.start?.();
      const port = (server.address() as AddressInfo).port;
      logger.info({ port, concurrency: config.DIALER_CONCURRENCY, provider: provider.name, dialerId }, "dialer ready");
      return { port };
    },
    stop() {
      stopping ??= (async (): Promise<StopReport> => {
        logger.info({ jobsInFlight: inFlight.size }, "dialer stopping: taking no new jobs");
        // Every wait below is bounded: a hung Redis or Postgres must not keep the process past its deadline.
        const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
        const untilDeadline = () => Math.max(0, deadline - Date.now());
        // BullMQ stops fetching at once; its close resolves once the running jobs' results are in Redis.
        const closing = Promise.allSettled([callWorker.close(), purgeWorker.close(), webhooks?.stop()]);
        await within(Promise.allSettled([reconcileLoop?.stop(), eventLoop?.stop(), provider.stop?.()]), untilDeadline());
        const jobsDone = () => Promise.allSettled([...inFlight]);
        if (!(await within(jobsDone(), untilDeadline()))) {
          logger.warn(
            { timeoutMs: config.SHUTDOWN_TIMEOUT_MS, jobsInFlight: inFlight.size },
            "shutdown deadline reached: aborting the placements still in flight",
          );
          shutdown.abort("dialer_shutdown");
          await within(jobsDone(), ABORT_GRACE_MS);
        }
        const abandonedJobs = inFlight.size;
        await within(heartbeat?.stop() ?? Promise.resolve(), CLOSE_STEP_MS);
        if (abandonedJobs > 0) {
          // Their calls are recovered by another dialer once this one's heartbeat is DIALER_DEAD_AFTER_MS old.
          logger.error({ abandonedJobs }, "in-flight jobs did not end after the deadline; leaving them to another dialer");
        } else {
          // Nothing of ours is left mid-call: saying so lets any call we might still own be recovered at once.
          await within(retireDialer(database.pool, dialerId), CLOSE_STEP_MS);
        }
        // Redis away: nothing can be recorded there, so do not wait (the jobs' locks expire; their calls are ended).
        const redisUp = workerRedis.status === "ready";
        if (!(await within(closing, redisUp ? CLOSE_STEP_MS : 100)) && redisUp) logger.warn("workers did not close in time");
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await within(
          Promise.allSettled([
            queues.close().then(() => Promise.allSettled([workerRedis.quit(), clientRedis.quit()])),
            serverClosed,
            deps.database ? undefined : database.close(),
          ]),
          CLOSE_STEP_MS,
        );
        workerRedis.disconnect();
        clientRedis.disconnect();
        logger.info({ clean: abandonedJobs === 0 }, "dialer stopped");
        return { clean: abandonedJobs === 0, abandonedJobs };
      })();
      return stopping;
    },
  };
}

/** Errors stored in Redis (failedReason, stack) must not carry PII: keep only a code. */
function safeError(error: unknown): Error {
  const safe = new Error(errorCode(error));
  safe.name = "DialerJobError";
  return safe;
}
