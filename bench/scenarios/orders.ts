import { INGRESS_ENTRY, runLoad, startService, type LoadResult } from "../lib/processes";
import type { Tenant } from "../lib/provision";
import { spread, type Spread } from "../lib/stats";

export interface OrdersFigures {
  plain: { rps: Spread; p99: Spread };
  /** Queued like a plain create, with a retry policy and a calling_hours window to plan. */
  retry: { rps: Spread; p99: Spread };
  /** not_before tomorrow and a retry policy: scheduled (no BullMQ add; the reconciler queues it when due). */
  scheduled: { rps: Spread; p99: Spread };
}

/**
 * Scenario 10 (issue 14): webhook call.create plain vs with call-order fields, on ONE ingress, interleaved
 * rounds, on the same Postgres and Redis. The target: a create with a schedule and a retry policy within 10%
 * of a plain create. The bench organisations' calling-hours guard is off, so only the fields change the work:
 * the plan (time zones, window, retry), the policy-version, opt-out and dedupe checks in the create statement.
 */
export async function benchOrders(
  env: Record<string, string>,
  tenant: Tenant,
  options: { rounds: number; seconds: number; connections: number },
): Promise<OrdersFigures> {
  const ingress = await startService(
    INGRESS_ENTRY,
    { ...env, INGRESS_PORT: "0", INGRESS_INTERNAL_PORT: "0", INGRESS_HOST: "127.0.0.1" },
    /listening on (\d+)/,
  );
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const retry = { on: ["no_answer", "busy"], max_attempts: 3, backoff_minutes: [10, 60] };
  const kinds = {
    plain: {},
    retry: { retry, calling_hours: { start: "08:00", end: "21:00" } },
    scheduled: { retry, not_before: tomorrow },
  } as const;
  const load = {
    url: `http://127.0.0.1:${ingress.port}`,
    connections: options.connections,
    durationSeconds: options.seconds,
    tokens: [tenant.token],
    agentIds: [tenant.agentId],
  };
  const results: Record<keyof typeof kinds, LoadResult[]> = { plain: [], retry: [], scheduled: [] };
  try {
    await runLoad({ ...load, durationSeconds: 2 });
    for (let round = 0; round < options.rounds; round++) {
      const order = (Object.keys(kinds) as (keyof typeof kinds)[]).slice();
      // Rotating which goes first, so a drift of the machine hits all alike.
      for (let i = 0; i < round % order.length; i++) order.push(order.shift() as keyof typeof kinds);
      for (const kind of order) {
        const result = await runLoad({ ...load, extraData: kinds[kind] });
        if (result.non2xx > 0) throw new Error(`scenario 10 (${kind}): ${result.non2xx} non-2xx answers`);
        results[kind].push(result);
      }
    }
  } finally {
    await ingress.stop();
  }
  const figures = (runs: LoadResult[]) => ({
    rps: spread(runs.map((r) => r.requestsPerSecond)),
    p99: spread(runs.map((r) => r.latencyP99)),
  });
  return { plain: figures(results.plain), retry: figures(results.retry), scheduled: figures(results.scheduled) };
}
