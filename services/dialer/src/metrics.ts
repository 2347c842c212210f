import { TERMINAL_STATUSES } from "@inbound/contracts";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface DialerMetrics {
  registry: Registry;
  callsEnded: Counter<"status">;
  jobDuration: Histogram<"queue" | "result">;
  activeCalls: Gauge;
  providerErrors: Counter<"code" | "transient">;
  /** Filled on each scrape by the function given to createDialerMetrics. */
  queueJobs: Gauge<"queue" | "state">;
}

export type QueueDepthReader = () => Promise<{ queue: string; state: string; count: number }[]>;

/** The dialer's own registry (no global state), with Node's default process metrics unless told otherwise. */
export function createDialerMetrics(
  readQueueDepth?: QueueDepthReader,
  options: { processMetrics?: boolean } = {},
): DialerMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const callsEnded = new Counter({
    name: "dialer_calls_ended_total",
    help: "Calls this dialer moved into a terminal state, by state",
    labelNames: ["status"],
    registers: [registry],
  });
  // Every state the dialer can end a call in is exported from the start (at 0), so rate() and increase()
  // see the first call too; `canceled` is the ingress' doing, never the dialer's.
  for (const status of TERMINAL_STATUSES) if (status !== "canceled") callsEnded.inc({ status }, 0);
  return {
    registry,
    callsEnded,
    jobDuration: new Histogram({
      name: "dialer_job_duration_seconds",
      help: "Time spent processing one job, by queue and result",
      labelNames: ["queue", "result"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 900],
      registers: [registry],
    }),
    activeCalls: new Gauge({
      name: "dialer_active_calls",
      help: "Calls this dialer is placing or following right now",
      registers: [registry],
    }),
    providerErrors: new Counter({
      name: "dialer_provider_errors_total",
      help: "Errors returned by the telephony provider, by code",
      labelNames: ["code", "transient"],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: "dialer_queue_jobs",
      help: "Jobs in the dialer's queues, by state (read from Redis on scrape)",
      labelNames: ["queue", "state"],
      registers: [registry],
      async collect() {
        if (!readQueueDepth) return;
        this.reset();
        try {
          for (const { queue, state, count } of await readQueueDepth()) this.set({ queue, state }, count);
        } catch {
          // Redis away: the gauge is left empty for this scrape; /readyz reports the outage.
        }
      },
    }),
  };
}
