import { loadConfigOrExit } from "@inbound/config";
import { createDatabase } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { createQueues, createRedis } from "@inbound/queue";
import pino from "pino";
import { Registry } from "prom-client";
import { createIngressApp } from "./app";
import { createOperationalApp, createReadiness } from "./routes/health";
import { listen } from "./server";
import { serverTimeouts } from "./server-timeouts";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // Buffered stdout: one write per few KiB of log lines instead of one per request; flushed every second and on exit.
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: false });
  const flusher = setInterval(() => destination.flush(), 1000).unref();
  const logger = createLogger({ level: config.LOG_LEVEL, name: "ingress" }, destination);
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    applicationName: "ingress",
  });
  const redis = createRedis({
    url: config.REDIS_URL,
    timeoutMs: config.REDIS_TIMEOUT_MS,
    role: "client",
    name: "ingress",
    autoPipelining: true,
  });
  const queues = createQueues(redis, config.REDIS_PREFIX);
  const registry = new Registry();
  const app = createIngressApp({ config, db, redis, queues, logger, registry });
  // /readyz and /metrics on a port of their own, never the public webhook port.
  const readiness = createReadiness({ db, redis, timeoutMs: config.REDIS_TIMEOUT_MS });
  const operational = createOperationalApp({
    readiness,
    registry,
    metricsEnabled: config.METRICS_ENABLED,
    draining: () => app.locals.draining === true,
  });
  const internal = await listen(operational, { host: config.INGRESS_INTERNAL_HOST, port: config.INGRESS_INTERNAL_PORT });
  const running = await listen(app, { host: config.INGRESS_HOST, port: config.INGRESS_PORT, timeouts: serverTimeouts(config) });

  const listening = `ingress listening on ${running.port} (internal: /healthz, /readyz${config.METRICS_ENABLED ? ", /metrics" : ""} on ${internal.port})`;
  // Supervisors and tests wait for this line, so it is written even when logging is silenced.
  if (logger.isLevelEnabled("info")) logger.info({ port: running.port, internal_port: internal.port }, listening);
  else process.stdout.write(`${JSON.stringify({ service: "ingress", msg: listening })}\n`);
  destination.flush();

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "ingress draining");
    destination.flush();
    await running.close(config.SHUTDOWN_TIMEOUT_MS);
    await internal.close(1000);
    await readiness.close();
    const settle = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    // The request log's last batch (the drained requests) before Redis closes.
    await settle((app.locals.requestLog as { close(): Promise<void> } | undefined)?.close() ?? Promise.resolve());
    await settle(queues.close());
    await settle(redis.quit());
    redis.disconnect();
    await settle(db.close());
    logger.info("ingress stopped");
    clearInterval(flusher);
    try {
      destination.flushSync();
    } catch {
      // stdout gone: nothing left to tell.
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

void main();
