import express, { type Express } from "express";
import { Registry } from "prom-client";
import type { IngressDeps } from "./deps";
import { errorHandler, methodNotAllowed, notFound } from "./http/errors";
import { observe } from "./http/observe";
import { createIngressMetrics } from "./metrics";
import { requireJson, readRawBody } from "./pipeline/read-body";
import { mountOperationalRoutes } from "./routes/health";
import { webhookHandler } from "./routes/webhook";
import { mountRestApi } from "./rest/routes";
import { createActionRunner } from "./use-cases/run-action";

export const WEBHOOK_ROUTE = "/v1/hooks/:token";

/** The ingress HTTP application. Set app.locals.draining to make /readyz fail and close keep-alive connections. */
export function createIngressApp(deps: IngressDeps): Express {
  const clock = deps.clock ?? Date.now;
  const registry = deps.registry ?? new Registry();
  const metrics = createIngressMetrics(registry);
  const limit = deps.config.BODY_LIMIT_BYTES;

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.locals.draining = false;

  app.use(observe(deps.logger, metrics, WEBHOOK_ROUTE));
  // One use-case layer for both transports: one runner (its create batcher included) behind the webhook and REST.
  const runner = createActionRunner(deps, metrics);
  app.post(WEBHOOK_ROUTE, requireJson, readRawBody(limit), webhookHandler({ ...deps, clock }, metrics, runner));
  app.all(WEBHOOK_ROUTE, methodNotAllowed("POST"));
  mountRestApi(app, { ...deps, clock }, metrics, runner);
  mountOperationalRoutes(app, { db: deps.db, redis: deps.redis, registry, timeoutMs: deps.config.REDIS_TIMEOUT_MS });
  app.use(notFound);
  app.use(errorHandler(deps.logger, limit));
  return app;
}
