import type { Database } from "@inbound/db";
import { probeReadiness, readinessReply } from "@inbound/logging";
import express, { type Express, type Request, type Response } from "express";
import type { Redis } from "ioredis";
import { Pool } from "pg";
import type { Registry } from "prom-client";
import { methodNotAllowed, notFound } from "../http/errors";
import { sendError } from "../http/respond";
import { serviceUnavailable } from "../http/unavailable";

/** /healthz on the public port: the process is alive (for a load balancer). Nothing else operational is public. */
export function mountHealthz(app: Express): void {
  app.get("/healthz", (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  });
  app.all("/healthz", methodNotAllowed("GET, HEAD"));
}

export interface ReadinessChecks {
  postgres: boolean;
  redis: boolean;
}

export interface Readiness {
  check(): Promise<ReadinessChecks>;
  close(): Promise<void>;
}

/**
 * Whether Postgres and Redis answer, cheaply: ONE connection of its own (never one of the webhook pool, so
 * probes cannot starve webhooks, and a saturated webhook pool does not fail the probe), at most one check in
 * flight however many probes ask, and an answer reused for `reuseMs`.
 */
export function createReadiness(deps: { db: Database; redis: Redis; timeoutMs: number; reuseMs?: number }): Readiness {
  const reuseMs = deps.reuseMs ?? 1000;
  const pool = new Pool({
    ...deps.db.pool.options,
    max: 1,
    connectionTimeoutMillis: deps.timeoutMs,
    application_name: `${deps.db.pool.options.application_name ?? "ingress"}-readiness`,
  });
  // An idle connection dropped by a Postgres restart: the next check reconnects.
  pool.on("error", () => undefined);
  let last: { at: number; checks: ReadinessChecks } | undefined;
  let running: Promise<ReadinessChecks> | undefined;

  async function run(): Promise<ReadinessChecks> {
    const { postgres, redis } = await probeReadiness(
      { postgres: () => pool.query("SELECT 1"), redis: () => deps.redis.ping() },
      deps.timeoutMs,
    );
    const checks = { postgres, redis };
    last = { at: Date.now(), checks };
    return checks;
  }

  return {
    check() {
      if (last && Date.now() - last.at < reuseMs) return Promise.resolve(last.checks);
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
    close: () => pool.end().catch(() => undefined),
  };
}

/**
 * The internal port's application: /healthz, /readyz (Postgres and Redis answer, not draining) and, with
 * METRICS_ENABLED, /metrics. Not logged: probes every few seconds would drown the access log.
 */
export function createOperationalApp(deps: {
  readiness: Readiness;
  registry: Registry;
  metricsEnabled: boolean;
  /** True once the public server is draining: /readyz then answers 503 so traffic moves elsewhere. */
  draining: () => boolean;
}): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  mountHealthz(app);

  app.get("/readyz", async (_req: Request, res: Response) => {
    if (deps.draining()) {
      sendError(res, serviceUnavailable("service"));
      return;
    }
    const reply = readinessReply({ ...(await deps.readiness.check()) });
    res.status(reply.statusCode).set(reply.headers).json(reply.body);
  });
  app.all("/readyz", methodNotAllowed("GET, HEAD"));

  if (deps.metricsEnabled) {
    app.get("/metrics", async (_req: Request, res: Response) => {
      res.setHeader("Content-Type", deps.registry.contentType);
      res.send(await deps.registry.metrics());
    });
    app.all("/metrics", methodNotAllowed("GET, HEAD"));
  }
  app.use(notFound);
  return app;
}
