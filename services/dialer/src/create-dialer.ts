import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { pruneDialers } from "@inbound/db";
import { errorCode, probeReadiness } from "@inbound/logging";
import type { Queues } from "@inbound/queue";
import { createWebhookWorker } from "@inbound/webhooks";
import { createCallStore } from "./call-store";
import { type DialerContext, perCallLogger } from "./context";
import { buildDialerDeps, type DialerDeps, type DialerOptions } from "./deps";
import { type Heartbeat, startHeartbeat } from "./heartbeat";
import { createProbeServer } from "./http/server";
import type { DialerMetrics } from "./metrics";
import { createDialerStore } from "./ports/dialer-store";
import { runStopSequence, type StopReport } from "./stop-sequence";
import { createProviderEventPump, startProviderEventPump } from "./use-cases/provider-event-pump";
import { createReconciler, startReconcilerLoop } from "./use-cases/reconcile";
import { startDueCallsLoop } from "./use-cases/due-calls-loop";
import { createCallWorker } from "./workers/call-worker";
import { createInFlight } from "./workers/in-flight";
import { createPurgeWorker } from "./workers/purge-worker";

export { SHUTDOWN_GRACE_MS, type StopReport } from "./stop-sequence";
export type { DialerDeps, DialerOptions } from "./deps";

export interface Dialer {
  /** Starts the workers, the reconciler and the probe server; resolves once jobs are being taken. */
  start(): Promise<{ port: number }>;
  /**
   * Graceful stop (see runStopSequence): always settles within SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS,
   * whatever Redis and Postgres do; `clean` is false when a job had to be left running (its call is then
   * re-attached by another dialer).
   */
  stop(): Promise<StopReport>;
  readonly metrics: DialerMetrics;
  readonly queues: Queues;
  readonly context: DialerContext;
  /** Its row in `dialers` and the owner id of the calls it claims. */
  readonly dialerId: string;
}

/** Rows of dialers silent this long are deleted at start (a missing row counts as a dead dialer anyway). */
const PRUNE_DIALERS_AFTER_MS = 24 * 3600 * 1000;

/** A dialer with its infrastructure built from config (tests, benches); main.ts builds the deps itself. */
export function createDialer(options: DialerOptions): Dialer {
  return createDialerFromDeps(buildDialerDeps(options));
}

/**
 * Wires a dialer over its infrastructure: the use cases' context, the two workers (thin adapters), the
 * reconciler, the provider-event pump, status-webhook delivery (unless run apart) and the probe server.
 */
export function createDialerFromDeps(deps: DialerDeps): Dialer {
  const { config, logger, database, provider, metrics, queues, dialerId } = deps;
  const context: DialerContext = {
    calls: createCallStore(database.pool),
    store: createDialerStore(database.pool),
    provider,
    logger,
    callLog: perCallLogger(logger),
    metrics,
    dial: { maxAttempts: config.DIAL_MAX_ATTEMPTS, backoffMs: config.DIAL_BACKOFF_MS, maxCallMs: config.CALL_MAX_DURATION_MS },
    liveness: { dialerId, deadAfterMs: config.DIALER_DEAD_AFTER_MS, following: new Set() },
    clock: deps.clock,
  };
  const inFlight = createInFlight();
  const callWorker = createCallWorker(deps, context, inFlight);
  const purgeWorker = createPurgeWorker(deps, context, inFlight);
  const reconciler = createReconciler(context, queues, deps.clientRedis, {
    afterMs: config.RECONCILE_AFTER_MS,
    stuckAfterMs: Math.max(config.RECONCILE_AFTER_MS, config.JOB_LOCK_MS + config.JOB_STALLED_INTERVAL_MS),
    purgeMaxAttempts: config.PURGE_MAX_ATTEMPTS,
  });
  // Status-webhook delivery (relay, worker on its own queue, sweeper) runs here unless ops run it apart.
  const webhooks = config.WEBHOOK_WORKER_IN_DIALER
    ? createWebhookWorker({
        config,
        logger,
        sql: database.pool,
        workerRedis: deps.workerRedis,
        clientRedis: deps.clientRedis,
        registry: metrics.registry,
      })
    : undefined;
  const eventPump = createProviderEventPump(context, { pollMs: config.PROVIDER_EVENT_POLL_MS });
  const server = createProbeServer({
    registry: config.METRICS_ENABLED ? metrics.registry : undefined,
    admin: config.ADMIN_KEY ? { key: config.ADMIN_KEY, queues: [queues.calls, queues.purges] } : undefined,
    async checkReady() {
      const { postgres, redis } = await probeReadiness(
        { postgres: () => database.pool.query("SELECT 1"), redis: () => deps.clientRedis.ping() },
        { postgres: config.DATABASE_TIMEOUT_MS, redis: config.REDIS_TIMEOUT_MS },
      );
      return { postgres, redis: redis && callWorker.isRunning() };
    },
  });

  let heartbeat: Heartbeat | undefined;
  let reconcileLoop: ReturnType<typeof startReconcilerLoop> | undefined;
  let eventLoop: ReturnType<typeof startProviderEventPump> | undefined;
  let dueLoop: ReturnType<typeof startDueCallsLoop> | undefined;
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
      reconcileLoop = startReconcilerLoop(reconciler, config.RECONCILE_INTERVAL_MS, logger);
      // Call orders (SPEC §9): scheduled calls that came due, and calls that waited for a slot, get their jobs.
      dueLoop = startDueCallsLoop(context, { sql: database.pool, queues, intervalMs: config.ORDERS_TICK_MS });
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
      stopping ??= runStopSequence(deps, {
        workers: [callWorker, purgeWorker],
        inFlight,
        webhooks,
        loops: [reconcileLoop, eventLoop, dueLoop],
        heartbeat,
        server,
      });
      return stopping;
    },
  };
}
