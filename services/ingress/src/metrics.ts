import { collectDefaultMetrics, Counter, Histogram, type Registry } from "prom-client";
import type { TokenCacheResult } from "./pipeline/authenticate";

export interface IngressMetrics {
  registry: Registry;
  /** Labels: method, route (the template, never the token), status. */
  requests: Counter<"method" | "route" | "status">;
  duration: Histogram<"method" | "route" | "status">;
  /** Webhook outcomes: action (or "unknown") and code ("ok" or the error code). */
  outcomes: Counter<"action" | "code">;
  creditsRefused: Counter;
  /** Calls committed whose job Redis did not take at once (the reconciler enqueues them). */
  enqueueDeferred: Counter;
  quotaRefused: Counter;
  /** What the token cache did: per request hit, miss, stale (epoch changed), recheck (a cached copy's refusal checked against the epoch), unknown (refused from the unknown-token cache); stored. */
  tokenCache: Record<TokenCacheResult, Counter.Internal>;
  /** The same for the REST API's key cache. */
  apiKeyCache: Record<TokenCacheResult, Counter.Internal>;
}

/** The counters always exist (cheap); Node's default metrics (event-loop sampling) only when /metrics is served. */
export function createIngressMetrics(registry: Registry, withDefaults = true): IngressMetrics {
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const tokenCache = new Counter({
    name: "ingress_token_cache_total",
    help: "Token cache: per request hit, miss, stale (an admin change seen through the epoch), recheck (a cached copy's refusal checked against the epoch), unknown (an unknown token refused from memory); stored: copies cached",
    labelNames: ["result"],
    registers: [registry],
  });
  const apiKeyCache = new Counter({
    name: "ingress_api_key_cache_total",
    help: "API key cache: per request hit, miss, stale (an admin change seen through the epoch), recheck; stored: copies cached",
    labelNames: ["result"],
    registers: [registry],
  });
  return {
    registry,
    requests: new Counter({
      name: "ingress_http_requests_total",
      help: "HTTP requests by route template and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "ingress_http_request_duration_seconds",
      help: "HTTP request latency by route template and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: "ingress_webhook_outcomes_total",
      help: "Webhook requests by action and outcome code (ok or the error code)",
      labelNames: ["action", "code"],
      registers: [registry],
    }),
    creditsRefused: new Counter({
      name: "ingress_credits_refused_total",
      help: "call.create requests refused for insufficient credits (402)",
      registers: [registry],
    }),
    enqueueDeferred: new Counter({
      name: "ingress_enqueue_deferred_total",
      help: "call.create committed (201) but the BullMQ add failed; the dialer's reconciler enqueues the call",
      registers: [registry],
    }),
    quotaRefused: new Counter({
      name: "ingress_quota_refused_total",
      help: "Requests refused because the daily quota was used up (429)",
      registers: [registry],
    }),
    tokenCache: {
      hit: tokenCache.labels("hit"),
      miss: tokenCache.labels("miss"),
      stale: tokenCache.labels("stale"),
      recheck: tokenCache.labels("recheck"),
      unknown: tokenCache.labels("unknown"),
      stored: tokenCache.labels("stored"),
    },
    apiKeyCache: {
      hit: apiKeyCache.labels("hit"),
      miss: apiKeyCache.labels("miss"),
      stale: apiKeyCache.labels("stale"),
      recheck: apiKeyCache.labels("recheck"),
      unknown: apiKeyCache.labels("unknown"),
      stored: apiKeyCache.labels("stored"),
    },
  };
}
