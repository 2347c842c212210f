import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfigOrExit } from "@inbound/config";
import { createDatabase } from "@inbound/db";
import { createLogger, probeReadiness, readinessReply, within } from "@inbound/logging";
import { createWebhookWorker } from "@inbound/webhooks";
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * `pnpm start:webhooks`: the status-webhook delivery worker alone (claims, attempts, sweeper), for ops
 * who scale deliveries apart from the dialers (then set WEBHOOK_WORKER_IN_DIALER=false on the dialers).
 * It needs Postgres only. Any number of replicas: claims take turns under an advisory lock and each message
 * is held by one claim at a time. /healthz, /readyz and /metrics on WEBHOOKS_PORT.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit("webhooks");
  const logger = createLogger({ level: config.LOG_LEVEL, name: "webhooks" });
  const database = createDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    applicationName: "webhooks",
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhooks = createWebhookWorker({ config, logger, sql: database.pool, registry });

  let stopping = false;
  const server = http.createServer((req, res) => {
    if (req.url === "/healthz") return void res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    if (req.url === "/readyz") {
      void probeReadiness({ postgres: () => database.pool.query("SELECT 1") }, { postgres: config.DATABASE_TIMEOUT_MS }).then(
        (checks) => {
          const reply = readinessReply({ ...checks, worker: !stopping && webhooks.isRunning() });
          res.writeHead(reply.statusCode, { ...reply.headers, "content-type": "application/json" }).end(JSON.stringify(reply.body));
      });
      return;
    }
    if (req.url === "/metrics" && config.METRICS_ENABLED) {
      void registry.metrics().then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text));
      return;
    }
    res.writeHead(404).end();
  });

  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "webhooks stopping");
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 2000).unref();
    // Attempts in flight finish (each bounded by WEBHOOK_TIMEOUT_MS); an unfinished one is handed over after its lease.
    await within(webhooks.stop(), config.SHUTDOWN_TIMEOUT_MS);
    server.close();
    await database.close().catch(() => undefined);
    logger.info("webhooks stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  server.listen(config.WEBHOOKS_PORT, config.WEBHOOKS_HOST);
  await new Promise((resolve) => server.once("listening", resolve));
  await webhooks.start();
  logger.info({ port: (server.address() as AddressInfo).port, concurrency: config.WEBHOOK_CONCURRENCY }, "webhooks ready");
}

main().catch((error: unknown) => {
  process.stderr.write(`webhooks: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
