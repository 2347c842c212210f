import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { RedisContainer, type StartedRedisContainer } from "@testcontainers/redis";
import { migrate } from "@inbound/db";
import { Client } from "pg";
import { TEMPLATE_DATABASE, withDatabase } from "./urls";

interface Started {
  postgres?: StartedPostgreSqlContainer;
  redis?: StartedRedisContainer;
}

// globalSetup and globalTeardown run in the same process: the started containers are kept on globalThis.
const holder = globalThis as { __inboundContainers?: Started };
holder.__inboundContainers ??= {};
const started: Started = holder.__inboundContainers;

/**
 * Once per test run: one Postgres and one Redis (testcontainers, or the servers named by TEST_DATABASE_URL
 * and TEST_REDIS_URL), and a migrated template database that each suite clones.
 */
export default async function globalSetup(): Promise<void> {
  const [adminUrl, redisUrl] = await Promise.all([startPostgres(), startRedis()]);
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_REDIS_URL_RESOLVED = redisUrl;

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  } finally {
    await admin.end();
  }
  await migrate(withDatabase(adminUrl, TEMPLATE_DATABASE));
}

async function startPostgres(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const image = process.env.TEST_POSTGRES_IMAGE || "postgres:17-alpine";
  started.postgres = await new PostgreSqlContainer(image)
    .withUsername("postgres")
    .withPassword("postgres")
    .withDatabase("postgres")
    .withCommand([
      "postgres",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=400",
    ])
    .start();
  return started.postgres.getConnectionUri();
}

async function startRedis(): Promise<string> {
  if (process.env.TEST_REDIS_URL) return process.env.TEST_REDIS_URL;
  const image = process.env.TEST_REDIS_IMAGE || "redis:7-alpine";
  started.redis = await new RedisContainer(image).start();
  return started.redis.getConnectionUrl();
}

export async function stopContainers(): Promise<void> {
  await Promise.allSettled([started.postgres?.stop(), started.redis?.stop()]);
}
