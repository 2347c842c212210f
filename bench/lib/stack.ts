import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { RedisContainer, type StartedRedisContainer } from "@testcontainers/redis";
import { createDatabase, type Database, migrate } from "@inbound/db";
import { Client } from "pg";

export interface Stack {
  databaseUrl: string;
  redisUrl: string;
  db: Database;
  stop(): Promise<void>;
}

/** Postgres and Redis for the benchmark: BENCH_DATABASE_URL / BENCH_REDIS_URL, or containers (test images). */
export async function startStack(): Promise<Stack> {
  let postgres: StartedPostgreSqlContainer | undefined;
  let redis: StartedRedisContainer | undefined;
  let databaseUrl = process.env.BENCH_DATABASE_URL;
  let redisUrl = process.env.BENCH_REDIS_URL;
  if (!databaseUrl) {
    postgres = await new PostgreSqlContainer(process.env.TEST_POSTGRES_IMAGE || "postgres:17-alpine")
      .withUsername("postgres")
      .withPassword("postgres")
      .withDatabase("bench")
      .withCommand(["postgres", "-c", "max_connections=300", "-c", "shared_buffers=256MB"])
      .start();
    databaseUrl = postgres.getConnectionUri();
  } else {
    await recreateDatabase(databaseUrl);
  }
  if (!redisUrl) {
    redis = await new RedisContainer(process.env.TEST_REDIS_IMAGE || "redis:7-alpine").start();
    redisUrl = redis.getConnectionUrl();
  }
  await migrate(databaseUrl);
  const db = createDatabase({ url: databaseUrl, poolSize: 10, timeoutMs: 600_000 });
  return {
    databaseUrl,
    redisUrl,
    db,
    async stop() {
      await db.close();
      await Promise.allSettled([postgres?.stop(), redis?.stop()]);
    },
  };
}

/** A user-supplied server gets a fresh database of its own, so nothing of theirs is touched. */
async function recreateDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = parsed.pathname.slice(1);
  if (!/^bench/.test(name)) throw new Error("BENCH_DATABASE_URL must name a database starting with 'bench' (it is recreated)");
  parsed.pathname = "/postgres";
  const admin = new Client({ connectionString: parsed.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}
