import type { Config } from "@inbound/config";
import type { Database } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { Queues } from "@inbound/queue";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";

/** Everything ingress talks to, built once in main.ts (or by a test) and passed in. */
export interface IngressDeps {
  config: Config;
  db: Database;
  /** A fail-fast client connection (createRedis role "client"): quota, replay guard, readiness. */
  redis: Redis;
  queues: Queues;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests of time windows. */
  clock?: () => number;
  /** Prometheus registry for /metrics; a fresh one when omitted. */
  registry?: Registry;
}
