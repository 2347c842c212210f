import { DIALER_ENTRY, INGRESS_ENTRY, runLoad, startService, type LoadResult } from "../lib/processes";
import type { Stack } from "../lib/stack";
import { drain, zeroCallTime } from "./dialer";
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

export interface DueScanFigures {
  small: number;
  large: number;
  /** Milliseconds per due-call round (promote 5 due calls among `small` | `large` scheduled for later). */
  smallP50: number;
  largeP50: number;
}

const INSERT_SCHEDULED = `
  INSERT INTO calls (id, org_id, agent_id, status, contact_number, credits_reserved, due_at, window_start, window_end, time_zones)
  SELECT 'call_sched_' || ($4::int + g), $1, $2, 'scheduled', '+14155552671', 1,
         now() + interval '1 day' + (($4::int + g) || ' seconds')::interval, 480, 1260, ARRAY['America/Los_Angeles']
  FROM generate_series(1, $3::int) g`;

/**
 * Scenario 16 (issue 14): the due-call scan's p50 with `small` and then `large` calls scheduled for later in the
 * table. Each sample inserts 5 calls due now and times one promoteDueCalls round (the statement every dialer
 * runs every ORDERS_TICK_MS): a range scan of the partial due_at index, so it should not grow with the rows
 * scheduled for later.
 */
export async function benchDueScan(
  db: { pool: import("pg").Pool },
  tenant: Tenant,
  options: { small: number; large: number; samples: number },
): Promise<DueScanFigures> {
  const { promoteDueCalls } = await import("@inbound/db");
  let seq = 0;
  const sample = async (): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < options.samples; i++) {
      seq += 1;
      await db.pool.query(
        `INSERT INTO calls (id, org_id, agent_id, status, contact_number, credits_reserved, due_at)
        SELECT 'call_due_' || $3::int || '_' || g, $1, $2, 'scheduled', '+14155552671', 1, now() - interval '1 second'
        FROM generate_series(1, 5) g`,
        [tenant.orgId, tenant.agentId, seq],
      );
      const started = performance.now();
      await promoteDueCalls(db.pool, { now: new Date(), limit: 500 });
      times.push(performance.now() - started);
    }
    return spread(times).median;
  };
  await db.pool.query(INSERT_SCHEDULED, [tenant.orgId, tenant.agentId, options.small, 0]);
  await db.pool.query("VACUUM ANALYZE calls");
  const smallP50 = await sample();
  await db.pool.query(INSERT_SCHEDULED, [tenant.orgId, tenant.agentId, options.large - options.small, options.small]);
  await db.pool.query("VACUUM ANALYZE calls");
  const largeP50 = await sample();
  return { small: options.small, large: options.large, smallP50, largeP50 };
}

export interface ScheduledDrainFigures {
  scheduled: number;
  /** Calls per second of the dialer's drain (zero call time), without and with `scheduled` calls waiting. */
  without: Spread;
  with: Spread;
}

/**
 * Scenario 17 (issue 14): the dialer's drain (scenario 4's: zero call time) with no call scheduled for later,
 * then with `scheduled` of them in the table (due tomorrow): the due-calls loop runs every ORDERS_TICK_MS in
 * both, and a scheduled call costs the drain nothing but that loop's index range scan.
 */
export async function benchScheduledDrain(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: { rounds: number; count: number; scheduled: number },
): Promise<ScheduledDrainFigures> {
  const zero = zeroCallTime(env);
  const run = { processes: 1, count: options.count, timeoutSeconds: 180, entry: DIALER_ENTRY };
  const without: number[] = [];
  for (let i = 0; i < options.rounds; i++) without.push((await drain(stack, zero, tenant, run)).callsPerSecond);
  await stack.db.pool.query(INSERT_SCHEDULED.replace("'call_sched_'", "'call_waiting_'"), [
    tenant.orgId,
    tenant.agentId,
    options.scheduled,
    0,
  ]);
  await stack.db.pool.query("VACUUM ANALYZE calls");
  const withScheduled: number[] = [];
  for (let i = 0; i < options.rounds; i++) withScheduled.push((await drain(stack, zero, tenant, run)).callsPerSecond);
  return { scheduled: options.scheduled, without: spread(without), with: spread(withScheduled) };
}
