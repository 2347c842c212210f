import { requestLogKey } from "@inbound/queue";
import { Redis } from "ioredis";
import { INGRESS_ENTRY, runLoad, startService, type LoadResult } from "../lib/processes";
import type { Stack } from "../lib/stack";
import type { Tenant } from "../lib/provision";
import { spread, type Spread } from "../lib/stats";

export interface RequestLogFigures {
  on: { rps: Spread; p99: Spread };
  off: { rps: Spread; p99: Spread };
  /** Entries in the organisation's request-log stream after the runs with the log on (0 would mean it measured nothing). */
  logged: number;
}

/**
 * Scenario 9: webhook call.create through two ingress processes side by side, one with the request log
 * (REQUEST_LOG_ENABLED=true, the default) and one without, in interleaved rounds on the same Postgres and Redis.
 */
export async function benchRequestLog(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: { rounds: number; seconds: number; connections: number },
): Promise<RequestLogFigures> {
  const start = (enabled: boolean) =>
    startService(
      INGRESS_ENTRY,
      { ...env, INGRESS_PORT: "0", INGRESS_INTERNAL_PORT: "0", INGRESS_HOST: "127.0.0.1", REQUEST_LOG_ENABLED: String(enabled) },
      /listening on (\d+)/,
    );
  const [on, off] = [await start(true), await start(false)];
  const key = requestLogKey(env.REDIS_PREFIX ?? "", tenant.orgId);
  const load = {
    connections: options.connections,
    durationSeconds: options.seconds,
    tokens: [tenant.token],
    agentIds: [tenant.agentId],
  };
  const results: Record<"on" | "off", LoadResult[]> = { on: [], off: [] };
  try {
    await runLoad({ ...load, durationSeconds: 2, url: `http://127.0.0.1:${on.port}` });
    await runLoad({ ...load, durationSeconds: 2, url: `http://127.0.0.1:${off.port}` });
    for (let round = 0; round < options.rounds; round++) {
      // Alternating which goes first, so a drift of the machine hits both alike.
      const order = round % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const which of order) {
        results[which].push(await runLoad({ ...load, url: `http://127.0.0.1:${(which === "on" ? on : off).port}` }));
      }
    }
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
  const figures = (runs: LoadResult[]) => ({
    rps: spread(runs.map((r) => r.requestsPerSecond)),
    p99: spread(runs.map((r) => r.latencyP99)),
  });
  const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return { on: figures(results.on), off: figures(results.off), logged: await redis.xlen(key) };
  } finally {
    redis.disconnect();
  }
}
