import { randomUUID } from "node:crypto";
import type { Logger } from "@inbound/logging";
import type { RequestLogWriter } from "@inbound/queue";
import type { NextFunction, Request, Response } from "express";
import type { IngressMetrics } from "../metrics";
import { type RequestContext, requestContext } from "./context";

interface AccessLine {
  request_id: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  org_id?: string;
  action?: string;
  code?: string;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First middleware: the X-Request-Id (the caller's if sane, else a new one) on every response, and on
 * finish one JSON access-log line and the HTTP metrics. Never the URL (it holds the token), headers or body.
 * With a requestLog, each webhook or REST request of a known organisation is also recorded for the dashboard's
 * request log (metadata only; record() is an in-memory push, written in batches off the request path).
 */
export function observe(
  logger: Logger,
  metrics: IngressMetrics,
  webhookRoute: string,
  requestLog?: RequestLogWriter,
  /** Routes whose access line is logged at debug level only (counted in the metrics all the same). */
  quietRoutes: readonly string[] = ["/healthz"],
) {
  const quiet = new Set(quietRoutes);
  // The access line's fields are fixed and none of them is sensitive (no URL, header, body or token), so
  // the redaction pass, which walks all 60 redact paths on every line, is skipped: it was most of the line's CPU.
  const accessLog = logger.child({}, { redact: [] });
  return (req: Request, res: Response, next: NextFunction): void => {
    const sent = req.headers["x-request-id"];
    const requestId = typeof sent === "string" && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
    const ctx: RequestContext = { requestId, startedAt: process.hrtime.bigint() };
    Object.assign(res.locals, ctx);
    res.setHeader("X-Request-Id", requestId);

    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const c = requestContext(res);
      const seconds = Number(process.hrtime.bigint() - c.startedAt) / 1e9;
      const route = (req.route as { path?: string } | undefined)?.path ?? "unmatched";
      const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
      const labels = { method: req.method, route, status: String(status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      if (route === webhookRoute) {
        metrics.outcomes.inc({ action: c.action ?? "unknown", code: c.code ?? (status < 400 ? "ok" : "unknown") });
      }
      const line: AccessLine = {
        request_id: c.requestId,
        method: req.method,
        route,
        status,
        duration_ms: Math.round(seconds * 1e5) / 100,
      };
      if (c.orgId) line.org_id = c.orgId;
      if (c.action) line.action = c.action;
      if (c.code) line.code = c.code;
      // Webhook and REST requests of a known organisation (unauthenticated routes have no orgId).
      if (requestLog && c.orgId && route.startsWith("/v1/")) {
        requestLog.record(c.orgId, {
          at: Date.now(),
          transport: route === webhookRoute ? "webhook" : "rest",
          action: c.action,
          status,
          code: c.code,
          latencyMs: line.duration_ms,
          requestId: c.requestId,
          signatureVerified: c.signatureVerified,
        });
      }
      // Health probes every few seconds, and provider callbacks (thousands a second, each one recorded in
      // provider_events anyway; a refused one logs its own warning), would drown the log: debug level only.
      if (quiet.has(route)) accessLog.debug(line, "request");
      else accessLog.info(line, "request");
    };
    res.on("finish", done);
    res.on("close", done);
    next();
  };
}
