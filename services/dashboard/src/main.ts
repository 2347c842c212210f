import type { AddressInfo } from "node:net";
import { loadConfig } from "@inbound/config";
import { createDatabase } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { createOrgChangeNotifier, createQueues, createRedis } from "@inbound/queue";
import { createDashboardApp } from "./app";

/** Composition root of the dashboard: config, Postgres, Redis, the shared org-change notifier, the app. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: "dashboard" });
  const db = createDatabase({ url: config.DATABASE_URL, poolSize: 5, timeoutMs: config.DATABASE_TIMEOUT_MS, applicationName: "dashboard" });
  const redis = createRedis({ url: config.REDIS_URL, timeoutMs: config.REDIS_TIMEOUT_MS, role: "client", name: "dashboard" });
  redis.on("error", () => undefined);
  const queues = createQueues(redis, config.REDIS_PREFIX);
  const orgChanges = createOrgChangeNotifier({
    redisUrl: config.REDIS_URL,
    redisPrefix: config.REDIS_PREFIX,
    timeoutMs: config.REDIS_TIMEOUT_MS,
    cacheTtlSeconds: config.TOKEN_CACHE_TTL_SECONDS,
    clientName: "dashboard",
  });
  const app = createDashboardApp({ config, db, redis, queues, orgChanges, logger });
  const server = app.listen(config.DASHBOARD_PORT, config.DASHBOARD_HOST);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, "dashboard listening");
  console.log(`dashboard listening on http://localhost:${port}`);

  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await queues.close().catch(() => undefined);
    await orgChanges.close();
    await redis.quit().catch(() => undefined);
    redis.disconnect();
    await db.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error) => {
  console.error(`dashboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
