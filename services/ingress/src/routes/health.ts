import type { Database } from "@inbound/db";
import type { Express, Request, Response } from "express";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { methodNotAllowed } from "../http/errors";
import { sendError } from "../http/respond";
import { RETRY_AFTER_SECONDS, serviceUnavailable, withTimeout } from "../http/unavailable";

/** /healthz (the process is alive), /readyz (Postgres and Redis answer, not draining), /metrics. */
export function mountOperationalRoutes(
  app: Express,
  deps: { db: Database; redis: Redis; registry: Registry; timeoutMs: number },
): void {
  app.get("/healthz", (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", async (req: Request, res: Response) => {
    if (req.app.locals.draining) {
      sendError(res, serviceUnavailable("service"));
      return;
    }
    const [postgres, redis] = await Promise.allSettled([
      withTimeout(deps.db.pool.query("SELECT 1"), deps.timeoutMs, "readiness"),
      withTimeout(deps.redis.ping(), deps.timeoutMs, "readiness"),
    ]);
    const checks = { postgres: postgres.status === "fulfilled", redis: redis.status === "fulfilled" };
    if (checks.postgres && checks.redis) {
      res.json({ status: "ready", checks });
      return;
    }
    res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    res.status(503).json({
      success: false,
      error: {
        code: "service_unavailable",
        message: `Not ready: ${Object.entries(checks)
          .filter(([, ok]) => !ok)
          .map(([name]) => name)
          .join(" and ")} unavailable.`,
      },
      checks,
    });
  });

  app.get("/metrics", async (_req: Request, res: Response) => {
    res.setHeader("Content-Type", deps.registry.contentType);
    res.send(await deps.registry.metrics());
  });

  for (const path of ["/healthz", "/readyz", "/metrics"]) app.all(path, methodNotAllowed("GET, HEAD"));
}
