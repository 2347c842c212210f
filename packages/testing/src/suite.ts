import { randomBytes } from "node:crypto";
import { loadConfig, type Config } from "@inbound/config";
import { createDatabase, type Database } from "@inbound/db";
import { createRedis } from "@inbound/queue";
import type { Redis } from "ioredis";
import { Client } from "pg";
import { TEMPLATE_DATABASE, withDatabase } from "./urls";

export interface SuiteEnv {
  /** Environment for a service process or loadConfig: this suite's database and Redis namespace. */
  env: Record<string, string>;
  config: Config;
  db: Database;
  redis: Redis;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  /** Keys of this suite's namespace in Redis. */
  redisKeys(): Promise<string[]>;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error("TEST_PG_ADMIN_URL is unset: run the tests through jest (its globalSetup starts Postgres)");
  return url;
}

/** A fresh migrated database (cloned from the template) and a Redis key prefix of its own. */
export async function createSuiteEnv(overrides: Record<string, string> = {}): Promise<SuiteEnv> {
  const suffix = randomBytes(5).toString("hex");
  const database = `suite_${suffix}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${TEMPLATE_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const databaseUrl = withDatabase(adminUrl(), database);
  const redisUrl = process.env.TEST_REDIS_URL_RESOLVED ?? "redis://127.0.0.1:6379";
  const prefix = `{t${suffix}}`;
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    SIM_RING_MS: "5",
    SIM_TALK_MS: "10",
    SIM_NO_ANSWER_MS: "10",
    SIM_TICK_MS: "10",
    PROVIDER_EVENT_POLL_MS: "10",
    DIAL_BACKOFF_MS: "20",
    RECONCILE_INTERVAL_MS: "200",
    RECONCILE_AFTER_MS: "500",
    JOB_LOCK_MS: "2000",
    JOB_STALLED_INTERVAL_MS: "1000",
    SHUTDOWN_TIMEOUT_MS: "3000",
    INGRESS_PORT: "0",
    INGRESS_INTERNAL_PORT: "0",
    DIALER_PORT: "0",
    ...overrides,
  };
  const config = loadConfig(env);
  const db = createDatabase({ url: databaseUrl, poolSize: 20, timeoutMs: 5000 });
  const redis = createRedis({ url: redisUrl, timeoutMs: 5000, role: "client" });
  return {
    env,
    config,
    db,
    redis,
    databaseUrl,
    redisUrl,
    prefix,
    async redisKeys() {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== "0");
      return keys;
    },
    async close() {
      await db.close();
      redis.disconnect();
      const cleanup = new Client({ connectionString: adminUrl() });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
