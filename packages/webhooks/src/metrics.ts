import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface WebhookMetrics {
  /** Attempts by outcome: delivered, retry, failed (schedule exhausted), gone (410), blocked (SSRF guard). */
  deliveries: Counter<"outcome">;
  attemptDuration: Histogram<"outcome">;
  endpointsDisabled: Counter<"reason">;
}

/** Registers the status-webhook metrics on a registry (the dialer's, or the standalone worker's). */
export function createWebhookMetrics(
  registry: Registry,
  readBacklog?: () => Promise<{ pending: number; disabledEndpoints: number }>,
): WebhookMetrics {
  const deliveries = new Counter({
    name: "webhook_deliveries_total",
    help: "Status-webhook delivery attempts, by outcome",
    labelNames: ["outcome"],
    registers: [registry],
  });
  for (const outcome of ["delivered", "retry", "failed", "gone", "blocked"]) deliveries.inc({ outcome }, 0);
  let backlog: Promise<{ pending: number; disabledEndpoints: number } | null> | undefined;
  // Both gauges come from one query per scrape.
  const read = () => {
    backlog ??= (readBacklog?.() ?? Promise.resolve(null)).catch(() => null).finally(() => {
      setTimeout(() => {
        backlog = undefined;
      }, 100).unref();
    });
    return backlog;
  };
  new Gauge({
    name: "webhook_messages_pending",
    help: "Status-webhook messages waiting for delivery (due or scheduled for a retry), from Postgres",
    registers: [registry],
    async collect() {
      const value = await read();
      if (value) this.set(value.pending);
    },
  });
  new Gauge({
    name: "webhook_endpoints_disabled",
    help: "Status-webhook endpoints disabled (410, failing, or by their owner), from Postgres",
    registers: [registry],
    async collect() {
      const value = await read();
      if (value) this.set(value.disabledEndpoints);
    },
  });
  return {
    deliveries,
    attemptDuration: new Histogram({
      name: "webhook_attempt_duration_seconds",
      help: "Latency of status-webhook delivery attempts, by outcome",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    }),
    endpointsDisabled: new Counter({
      name: "webhook_endpoints_disabled_total",
      help: "Endpoints disabled by delivery results, by reason (gone, failing)",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
