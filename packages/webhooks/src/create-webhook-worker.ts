import type { Config } from "@inbound/config";
import { claimDueMessages, createBatcher, recordAttempts, webhookBacklog } from "@inbound/db";
import { type Logger, startPeriodic } from "@inbound/logging";
import { SecretBox } from "@inbound/security";
import type { Redis } from "ioredis";
import type { Pool } from "pg";
import type { Registry } from "prom-client";
import { createDispatcher } from "./create-dispatcher";
import { type DeliveryContext, deliverMessage } from "./deliver-message";
import { createWebhookMetrics, type WebhookMetrics } from "./metrics";
import { createPoster } from "./post-event";
import { sweepOnce } from "./sweeper";

export interface WebhookWorkerDeps {
  config: Config;
  logger: Logger;
  /** The pg pool of the host process. */
  sql: Pool;
  /** No longer used (deliveries are claimed from Postgres, not queued in Redis); accepted so hosts need not change. */
  workerRedis?: Redis;
  clientRedis?: Redis;
  registry: Registry;
}

export interface WebhookWorker {
  start(): Promise<void>;
  /** Stops claiming and waits (bounded by the caller) for attempts in flight to be recorded. */
  stop(): Promise<void>;
  /** Claims and starts what is due now; returns how many messages were claimed. */
  relay(): Promise<number>;
  /** Started and not stopping (readiness). */
  isRunning(): boolean;
  readonly metrics: WebhookMetrics;
}

const SWEEP_INTERVAL_MS = 3600 * 1000;
/** Most opened signing secrets kept in memory (by sealed value: a rotation adds a new one). */
const SECRET_CACHE_ENTRIES = 1000;

/**
 * The status-webhook delivery side of a process (a dialer by default, or `pnpm start:webhooks` alone): the
 * dispatcher (claims due messages from the Postgres outbox in batches, at most WEBHOOK_CONCURRENCY attempts in
 * flight, WEBHOOK_ENDPOINT_CONCURRENCY per endpoint across all processes), the attempts (signed POSTs
 * through one keep-alive undici Agent), their recording in batches (one statement and one commit for all
 * the attempts finishing together), and the retention sweeper. The Postgres pool is the host's.
 */
export function createWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const { config, logger, sql } = deps;
  const metrics = createWebhookMetrics(deps.registry, () => webhookBacklog(sql));
  const poster = createPoster({
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    policy: { allowInsecure: config.WEBHOOK_ALLOW_INSECURE },
    // Per origin, not per endpoint: endpoints often share a host (one SaaS, many customers' URLs). The
    // per-endpoint bound is the claims' (leases); a cap per host at that bound would let one slow endpoint
    // hold every connection to its host and stall the others there.
    maxSockets: config.WEBHOOK_CONCURRENCY,
  });
  const box = new SecretBox(config.SECRETS_KEY);
  const secrets = new Map<string, string>();
  const ctx: DeliveryContext = {
    poster,
    logger,
    metrics,
    schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
    openSecret(sealed, endpointId) {
      const key = `${endpointId}\u0000${sealed}`;
      let secret = secrets.get(key);
      if (secret === undefined) {
        secret = box.open(sealed, endpointId);
        if (secrets.size >= SECRET_CACHE_ENTRIES) secrets.delete(secrets.keys().next().value as string);
        secrets.set(key, secret);
      }
      return secret;
    },
    // Attempts finishing while a recording statement runs go together in the next one (one commit for all).
    record: createBatcher((attempts) => recordAttempts(sql, attempts, { disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS }), {
      maxBatch: 500,
      concurrency: 1,
    }),
  };
  const dispatcher = createDispatcher({
    // The lease covers the attempt (at most WEBHOOK_TIMEOUT_MS) and its recording (WEBHOOK_LEASE_MS).
    claim: (limit) =>
      claimDueMessages(sql, {
        perEndpoint: config.WEBHOOK_ENDPOINT_CONCURRENCY,
        limit,
        leaseMs: config.WEBHOOK_TIMEOUT_MS + config.WEBHOOK_LEASE_MS,
      }),
    deliver: (message) => deliverMessage(ctx, message),
    capacity: config.WEBHOOK_CONCURRENCY,
    intervalMs: config.WEBHOOK_RELAY_INTERVAL_MS,
    logger,
  });
  let sweeper: { stop(): Promise<void> } | undefined;

  return {
    metrics,
    relay: () => dispatcher.pass(),
    isRunning: () => dispatcher.running,
    async start() {
      dispatcher.start();
      sweeper = startPeriodic("webhook-sweeper", SWEEP_INTERVAL_MS, () => sweepOnce(sql, config.WEBHOOK_RETENTION_DAYS), logger);
      void sweepOnce(sql, config.WEBHOOK_RETENTION_DAYS).catch(() => undefined);
    },
    async stop() {
      await Promise.allSettled([sweeper?.stop(), dispatcher.stop()]);
      poster.close();
    },
  };
}
