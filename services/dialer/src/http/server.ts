import { createServer, type Server } from "node:http";
import { readinessReply } from "@inbound/logging";
import type { Queue } from "bullmq";
import express, { type ErrorRequestHandler, type Express, type Response } from "express";
import type { Registry } from "prom-client";
import { requireAdminKey } from "./admin-auth";
import { createQueueBoard, QUEUE_BOARD_PATH } from "./queue-board";

export interface ProbeServerDeps {
  /** Prometheus registry served at /metrics; without it (METRICS_ENABLED=false) /metrics is not mounted (404). */
  registry?: Registry;
  /** Whether Postgres and Redis answer (see probeReadiness); a rejection counts as not ready. */
  checkReady: () => Promise<{ postgres: boolean; redis: boolean }>;
  /** Bull Board at /admin/queues behind this key; without it the board is not mounted (404). */
  admin?: { key: string; queues: readonly Queue[] };
}

/**
 * /healthz (the process runs), /readyz (Postgres and Redis reachable, else 503), Prometheus /metrics and,
 * with an admin key, Bull Board at /admin/queues.
 */
export function createProbeApp(deps: ProbeServerDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // Probe paths match exactly, as before the move to Express: /Healthz or /healthz/ are 404.
  app.set("case sensitive routing", true);
  app.set("strict routing", true);

  if (deps.admin) {
    app.use(
      QUEUE_BOARD_PATH,
      requireAdminKey(deps.admin.key),
      (_req, res, next) => {
        res.set("Cache-Control", "no-store");
        next();
      },
      createQueueBoard(deps.admin.queues),
    );
  }

  app.use((req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { status: "method_not_allowed" });
    next();
  });
  app.get("/healthz", (_req, res) => json(res, 200, { status: "ok" }));
  app.get("/readyz", (_req, res) => {
    void deps.checkReady().then(
      (checks) => reply(res, readinessReply({ ...checks })),
      () => reply(res, readinessReply(null)),
    );
  });
  const registry = deps.registry;
  if (registry) {
    app.get("/metrics", (_req, res) => {
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        },
        () => json(res, 500, { status: "metrics_unavailable" }),
      );
    });
  }
  app.use((_req, res) => json(res, 404, { status: "not_found" }));
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    // Never echo the error: it could name a Redis host or carry a job's failure text.
    if (!res.headersSent) json(res, 500, { status: "internal_error" });
    else res.end();
  };
  app.use(onError);
  return app;
}

export function createProbeServer(deps: ProbeServerDeps): Server {
  return createServer(createProbeApp(deps));
}

function reply(res: Response, answer: ReturnType<typeof readinessReply>): void {
  res.set(answer.headers);
  json(res, answer.statusCode, answer.body);
}

function json(res: Response, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
