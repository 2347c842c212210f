import type { Config } from "@inbound/config";
import { createDatabase, type Database } from "@inbound/db";
import { errorCode, type Logger } from "@inbound/logging";
import { type Clock, systemClock } from "@inbound/orders";
import { createQueues, createRedis, type Queues } from "@inbound/queue";
import type { Redis } from "ioredis";
import { newDialerId } from "./heartbeat";
import { createDialerMetrics, type DialerMetrics } from "./metrics";
import { createProvider } from "./telephony/create-provider";
import type { TelephonyProvider } from "./telephony/provider";

/** Everything a dialer talks to, built once (buildDialerDeps, from main.ts or a test) and passed in. */
export interface DialerDeps {
  config: Config;
  logger: Logger;
  database: Database;
  /** Closed by the dialer's stop when it built the database itself; a given one is left open. */
  ownsDatabase: boolean;
  /** Blocking worker connection (createRedis role "worker": retries forever). */
  workerRedis: Redis;
  /** Fail-fast connection (role "client"): queues, probes, metrics, the reconciler. */
  clientRedis: Redis;
  queues: Queues;
  provider: TelephonyProvider;
  metrics: DialerMetrics;
  /** Its row in `dialers` and the owner id of the calls it claims (unique per start). */
  dialerId: string;
  clock: Clock;
}

/** What a caller may give; the rest is built from config. */
export interface DialerOptions {
  config: Config;
  logger: Logger;
  /** Defaults to a database of its own from config (closed on stop); a given one is left open. */
  database?: Database;
  /** Defaults to the provider config.TELEPHONY_PROVIDER names. */
  provider?: TelephonyProvider;
  /** The call-order rules' clock (SPEC §9); the system clock by default. Tests give a fake one. */
  clock?: Clock;
}

/** The dialer's composition root: its infrastructure, built from config (nothing connects before use). */
export function buildDialerDeps(options: DialerOptions): DialerDeps {
  const { config, logger } = options;
  const database =
    options.database ??
    createDatabase({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
      applicationName: "dialer",
    });
  const provider =
    options.provider ??
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
  return {
    config,
    logger,
    database,
    ownsDatabase: options.database === undefined,
    workerRedis,
    clientRedis,
    queues,
    provider,
    metrics,
    dialerId: newDialerId(),
    clock: options.clock ?? systemClock,
  };
}
