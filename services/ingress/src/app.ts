import express, { type Express } from "express";
import { createRequestLogWriter } from "@inbound/queue";
import { Registry } from "prom-client";
import type { IngressDeps } from "./deps";
import { errorHandler, methodNotAllowed, notFound } from "./http/errors";
import { observe } from "./http/observe";
import { createIngressMetrics } from "./metrics";
import { requireJson } from "./pipeline/read-body";
import { mountHealthz } from "./routes/health";
import { mountProviderCallbacks, TWILIO_CALLBACK_ROUTE } from "./routes/provider-callback";
import { webhookHandler } from "./routes/webhook";
import { mountRestApi } from "./rest/routes";
import { createActionRunner } from "./use-cases/run-action";

export const WEBHOOK_ROUTE = "/v1/hooks/:token";

/**
 * The ingress's public HTTP application (webhooks and /healthz). Set app.locals.draining to close keep-alive
 * connections (and, through createOperationalApp's `draining`, to make /readyz fail).
 */
export function createIngressApp(deps: IngressDeps): Express {
  const clock = deps.clock ?? Date.now;
  const registry = deps.registry ?? new Registry();
  const metrics = createIngressMetrics(registry, deps.config.METRICS_ENABLED);
  const limit = deps.config.BODY_LIMIT_BYTES;

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.locals.draining = false;

  // The dashboard's request log: batched writes to a capped Redis stream per organisation (off the request path).
  const requestLog = deps.config.REQUEST_LOG_ENABLED
    ? createRequestLogWriter({
        redis: deps.redis,
        prefix: deps.config.REDIS_PREFIX,
        maxEntries: deps.config.REQUEST_LOG_MAX_ENTRIES,
        onError: () => deps.logger.warn("request log batch not written (Redis); the requests themselves were served"),
      })
    : undefined;
  app.locals.requestLog = requestLog;
  app.use(observe(deps.logger, metrics, WEBHOOK_ROUTE, requestLog, ["/healthz", TWILIO_CALLBACK_ROUTE]));
  // First route after observe: provider callbacks are the highest-volume requests and match nothing else.
  if (deps.config.TWILIO_AUTH_TOKEN) {
    mountProviderCallbacks(app, {
      sql: deps.db.pool,
      logger: deps.logger,
      publicBaseUrl: deps.config.PUBLIC_BASE_URL,
      twilioAuthToken: deps.config.TWILIO_AUTH_TOKEN,
      maxWaiting: deps.config.INGRESS_MAX_WAITING,
    });
  }
  // One use-case layer for both transports: one runner (its create batcher included) behind the webhook and REST.
  const runner = createActionRunner(deps, metrics);
  // The token is checked before the body is read: an unknown one never gets its body read.
  app.post(WEBHOOK_ROUTE, requireJson, webhookHandler({ ...deps, clock }, metrics, runner));
  app.all(WEBHOOK_ROUTE, methodNotAllowed("POST"));
  mountRestApi(app, { ...deps, clock }, metrics, runner);
  // Only /healthz here: /readyz and /metrics are on the internal port (createOperationalApp).
  mountHealthz(app);
  app.use(notFound);
  app.use(errorHandler(deps.logger, limit));
  return app;
}
