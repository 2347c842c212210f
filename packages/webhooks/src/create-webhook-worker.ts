import type { Config } from "@inbound/config";
import type { SqlClient } from "@inbound/db";
import { webhookBacklog } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { createWebhookQueue, enqueueWebhookJobs, WEBHOOK_QUEUE, type WebhookJob } from "@inbound/queue";
import { SecretBox } from "@inbound/security";
import { type Job, type Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { type DeliveryContext, deliverMessage } from "./deliver-message";
import { createWebhookMetrics, type WebhookMetrics } from "./metrics";
import { createPoster } from "./post-event";
import { relayOnce, startLoop, sweepOnce } from "./relay";

export interface WebhookWorkerDeps {
  config: Config;
  logger: Logger;
  /** The pg pool of the host process. */
  sql: SqlClient;
  /** A blocking connection for the BullMQ worker (maxRetriesPerRequest: null), and a client one for the queue. */
  workerRedis: Redis;
  clientRedis: Redis;
  registry: Registry;
}

export interface WebhookWorker {
  start(): Promise<void>;
  /** Stops taking jobs and waits (bounded by the caller) for attempts in flight; closes what it opened. */
  stop(): Promise<void>;
  /** Runs one relay pass now. */
  relay(): Promise<number>;
  readonly queue: Queue<WebhookJob>;
  readonly worker: Worker<WebhookJob>;
  readonly metrics: WebhookMetrics;
}

const SWEEP_INTERVAL_MS = 3600 * 1000;

/**
 * The status-webhook delivery side of a process (a dialer by default, or `pnpm start:webhooks` alone): the
 * relay loop (Postgres outbox → jobs), the BullMQ worker on its own queue (one job = one attempt), and the
 * retention sweeper. Redis and Postgres connections are the host's (not closed here).
 */
export function createWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const { config, logger, sql } = deps;
  const queue = createWebhookQueue(deps.clientRedis, config.REDIS_PREFIX);
  const metrics = createWebhookMetrics(deps.registry, () => webhookBacklog(sql));
  const poster = createPoster({
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    policy: { allowInsecure: config.WEBHOOK_ALLOW_INSECURE },
    // Per host, not per endpoint: endpoints often share a host (one SaaS, many customers' URLs). The
    // per-endpoint bound is the relay's (leases); a cap per host at that bound would let one slow endpoint
    // hold every socket to its host and stall the others there.
    maxSockets: config.WEBHOOK_CONCURRENCY,
  });
  const enqueue = (jobs: { id: string; handoff: number }[]) =>
    enqueueWebhookJobs(
      queue,
      jobs.map((j) => ({ messageId: j.id, handoff: j.handoff })),
    );
  const ctx: DeliveryContext = {
    sql,
    box: new SecretBox(config.SECRETS_KEY),
    poster,
    logger,
    metrics,
    schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    leaseMs: config.WEBHOOK_LEASE_MS,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
    handOff: (next) => enqueue([next]),
  };
  const worker = new Worker<WebhookJob>(
    WEBHOOK_QUEUE,
    async (job: Job<WebhookJob>) => {
      const outcome = await deliverMessage(ctx, { id: job.data.messageId, handoff: job.data.handoff });
      return outcome.kind; // no URL, no body: only the outcome is stored in Redis
    },
    {
      connection: deps.workerRedis,
      prefix: config.REDIS_PREFIX,
      concurrency: config.WEBHOOK_CONCURRENCY,
      lockDuration: Math.max(config.JOB_LOCK_MS, config.WEBHOOK_TIMEOUT_MS + 5000),
      stalledInterval: config.JOB_STALLED_INTERVAL_MS,
      autorun: false,
    },
  );
  worker.on("error", () => undefined); // Redis away: the host's probes report it; BullMQ retries
  const relayOptions = { perEndpoint: config.WEBHOOK_ENDPOINT_CONCURRENCY, leaseMs: config.WEBHOOK_LEASE_MS };
  const relay = () => relayOnce(sql, enqueue, relayOptions);
  let loops: { stop(): Promise<void> }[] = [];

  return {
    queue,
    worker,
    metrics,
    relay,
    async start() {
      void worker.run().catch((error) => logger.error({ err: (error as Error)?.message }, "webhook worker stopped"));
      await worker.waitUntilReady();
      loops = [
        startLoop("webhook-relay", config.WEBHOOK_RELAY_INTERVAL_MS, relay, logger),
        startLoop("webhook-sweeper", SWEEP_INTERVAL_MS, () => sweepOnce(sql, config.WEBHOOK_RETENTION_DAYS), logger),
      ];
      void sweepOnce(sql, config.WEBHOOK_RETENTION_DAYS).catch(() => undefined);
    },
    async stop() {
      await Promise.allSettled(loops.map((loop) => loop.stop()));
      await worker.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
      poster.close();
    },
  };
}
