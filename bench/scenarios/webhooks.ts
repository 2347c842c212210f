import { createQueuedCalls, insertEndpoint } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import { startProcess } from "@inbound/testing";
import { type HookReceiver, startHookReceiver } from "../lib/hook-receiver";
import { startService, WEBHOOKS_ENTRY } from "../lib/processes";
import { provisionTenants, type Tenant } from "../lib/provision";
import type { Stack } from "../lib/stack";
import { spread, type Spread } from "../lib/stats";

/** The webhooks image's CMD flags (Dockerfile); the bare baseline runs with the very same. */
const NODE_OPTIONS = "--enable-source-maps";
const ENDPOINTS = 10;

export interface WebhookFigures {
  /** Scenario 13: deliveries/s of one worker, and of a bare fetch loop, to the same receiver. */
  worker: Spread;
  bare: Spread;
  /** Scenario 14: event-to-delivery p99 (ms) of the nine healthy endpoints, without / with the tenth timing out. */
  healthyP99: Spread;
  degradedP99: Spread;
  healthyP50: Spread;
  degradedP50: Spread;
  /** Transitions per second actually generated (the target is options.rate). */
  rate: Spread;
}

function workerEnv(env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    // Loopback receivers: the SSRF guard's development setting (refused in production, hence NODE_ENV).
    NODE_ENV: "development",
    WEBHOOK_ALLOW_INSECURE: "true",
    WEBHOOKS_PORT: "0",
    NODE_OPTIONS,
  };
}

async function endpointsFor(stack: Stack, secretsKey: string, tenants: Tenant[], urls: string[]): Promise<void> {
  const box = new SecretBox(secretsKey);
  for (const [i, url] of urls.entries()) {
    const tenant = tenants[i % tenants.length] as Tenant;
    if (!(await insertEndpoint(stack.db.pool, box, { orgId: tenant.orgId, url, eventTypes: [] }))) throw new Error("no endpoint");
  }
}

async function clearMessages(stack: Stack): Promise<void> {
  await stack.db.pool.query("DELETE FROM webhook_messages");
  await stack.db.pool.query("DELETE FROM webhook_attempts");
  await stack.db.pool.query("DELETE FROM webhook_endpoints");
}

/**
 * Scenario 13: `count` messages (ten endpoints on one local receiver) delivered by one delivery worker (the
 * bundle of `pnpm start:webhooks`, default concurrency), timed on the delivery log's own timestamps (first to
 * last attempt); then the same number of bare `fetch` POSTs, as many loops as the worker has slots in use
 * (ten endpoints × WEBHOOK_ENDPOINT_CONCURRENCY), to the same receiver, in a process with the same flags.
 */
async function throughputRound(
  stack: Stack,
  env: Record<string, string>,
  receiver: HookReceiver,
  tenant: Tenant,
  count: number,
): Promise<{ worker: number; bare: number }> {
  await clearMessages(stack);
  receiver.reset({ record: false });
  const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/e${i}`);
  await endpointsFor(stack, env.SECRETS_KEY as string, [tenant], paths.map(receiver.url));
  const worker = await startService(WEBHOOKS_ENTRY, workerEnv(env), /"msg":"webhooks ready"/);
  try {
    // One call.completed event per call, fanned out to the ten endpoints (the outbox's own statement shape).
    await stack.db.pool.query(
      `INSERT INTO webhook_messages (id, event_id, endpoint_id, org_id, call_id, event_type, payload)
       SELECT 'msg_bench_' || g || '_' || e.id, 'evt_bench_' || g, e.id, e.org_id, 'call_bench_' || g, 'call.completed',
         jsonb_build_object('type', 'call.completed', 'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'data', jsonb_build_object('call_id', 'call_bench_' || g, 'status', 'completed', 'previous_status', 'in_progress',
             'agent_id', $1::text, 'attempt', 1, 'end_reason', 'hangup', 'duration_seconds', 42, 'sequence', 5))
       FROM generate_series(1, $2::int) g CROSS JOIN webhook_endpoints e`,
      [tenant.agentId, Math.ceil(count / ENDPOINTS)],
    );
    const total = Math.ceil(count / ENDPOINTS) * ENDPOINTS;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const { rows } = await stack.db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM webhook_messages WHERE status = 'delivered'",
      );
      if ((rows[0]?.n ?? 0) >= total) break;
      if (Date.now() > deadline) throw new Error(`webhooks throughput: ${rows[0]?.n}/${total} delivered in 180 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows } = await stack.db.pool.query<{ n: number; seconds: number; failed: number }>(
      `SELECT count(*)::int AS n, extract(epoch FROM max(at) - min(at))::float AS seconds,
         count(*) FILTER (WHERE NOT succeeded)::int AS failed FROM webhook_attempts`,
    );
    if ((rows[0]?.failed ?? 0) > 0) throw new Error(`webhooks throughput: ${rows[0]?.failed} failed attempts`);
    const workerRate = (rows[0]?.n ?? 0) / Math.max(rows[0]?.seconds ?? 0, 0.001);

    const bare = startProcess("bench/baseline-fetch.js", {
      NODE_OPTIONS,
      BASELINE_URLS: paths.map(receiver.url).join(","),
      BASELINE_TOTAL: String(total),
      BASELINE_CONCURRENCY: String(ENDPOINTS * Number(env.WEBHOOK_ENDPOINT_CONCURRENCY ?? 10)),
    });
    const line = await bare.waitFor(/\{"total".*\}/, 180_000);
    if ((await bare.exited).code !== 0) throw new Error(`baseline-fetch failed: ${bare.output()}`);
    const result = JSON.parse(line) as { total: number; seconds: number };
    return { worker: workerRate, bare: result.total / result.seconds };
  } finally {
    await worker.stop("SIGKILL");
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * Scenario 14: transitions at `rate`/s for `seconds` (call creations, each writing its call.queued event in
 * its own statement, spread over ten organisations with one endpoint each), delivered by one worker; the
 * latency from the event's timestamp to its arrival at the receiver, for the nine endpoints that answer.
 * With `failing`, the tenth endpoint never answers (every attempt runs into WEBHOOK_TIMEOUT_MS).
 */
async function latencyRun(
  stack: Stack,
  env: Record<string, string>,
  receiver: HookReceiver,
  tenants: Tenant[],
  options: { rate: number; seconds: number; failing: boolean },
): Promise<{ p50: number; p99: number; rate: number }> {
  await clearMessages(stack);
  receiver.reset({ record: true });
  const paths = tenants.map((_, i) => `/t${i}`);
  const bad = paths[paths.length - 1] as string;
  if (options.failing) receiver.hang.add(bad);
  await endpointsFor(stack, env.SECRETS_KEY as string, tenants, paths.map(receiver.url));
  const worker = await startService(WEBHOOKS_ENTRY, workerEnv(env), /"msg":"webhooks ready"/);
  try {
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((options.rate * tickMs) / 1000));
    const ticks = Math.round((options.seconds * 1000) / tickMs);
    const inFlight = new Set<Promise<unknown>>();
    let created = 0;
    let n = 0;
    const started = Date.now();
    for (let tick = 0; tick < ticks; tick++) {
      const batch = Array.from({ length: perTick }, () => {
        const tenant = tenants[n++ % tenants.length] as Tenant;
        return {
          callId: `call_wh_${n}_${Math.random().toString(36).slice(2, 10)}`,
          orgId: tenant.orgId,
          agentId: tenant.agentId,
          contactNumber: "+14155552671",
          cost: 1,
        };
      });
      const p = createQueuedCalls(stack.db.pool, batch).then((results) => {
        created += results.filter((r) => r.outcome === "created").length;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      const wait = started + (tick + 1) * tickMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    const rate = created / ((Date.now() - started) / 1000);
    const healthyExpected = tenants.slice(0, -1).reduce((sum, _, i) => sum + Math.ceil((n - i) / tenants.length), 0);
    const deadline = Date.now() + 120_000;
    const healthy = () => receiver.arrivals.filter((a) => a.path !== bad);
    for (;;) {
      const { rows } = await stack.db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id WHERE m.status = 'delivered' AND e.url NOT LIKE $1",
        [`%${bad}`],
      );
      if ((rows[0]?.n ?? 0) >= healthyExpected) break;
      if (Date.now() > deadline) throw new Error(`webhooks latency: ${rows[0]?.n}/${healthyExpected} delivered in 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies = healthy()
      .map((a) => a.at - a.eventAt)
      .sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rate };
  } finally {
    await worker.stop("SIGKILL");
  }
}

/** Scenarios 13–14 (status webhooks). Interleaved rounds, so noise hits the compared runs alike. */
export async function benchWebhooks(
  stack: Stack,
  env: Record<string, string>,
  options: { rounds: number; secretsKey: string; throughputMessages: number; rate: number; seconds: number },
): Promise<WebhookFigures> {
  const receiver = await startHookReceiver();
  const tenants = await provisionTenants(stack.db, ENDPOINTS, { secretsKey: options.secretsKey });
  const worker: number[] = [];
  const bare: number[] = [];
  const healthy: { p50: number; p99: number }[] = [];
  const degraded: { p50: number; p99: number }[] = [];
  const rates: number[] = [];
  try {
    for (let i = 0; i < options.rounds; i++) {
      const t = await throughputRound(stack, env, receiver, tenants[0] as Tenant, options.throughputMessages);
      worker.push(t.worker);
      bare.push(t.bare);
      for (const failing of [false, true]) {
        const run = await latencyRun(stack, env, receiver, tenants, { rate: options.rate, seconds: options.seconds, failing });
        (failing ? degraded : healthy).push(run);
        rates.push(run.rate);
      }
    }
  } finally {
    await receiver.close();
  }
  return {
    worker: spread(worker),
    bare: spread(bare),
    healthyP99: spread(healthy.map((r) => r.p99)),
    degradedP99: spread(degraded.map((r) => r.p99)),
    healthyP50: spread(healthy.map((r) => r.p50)),
    degradedP50: spread(degraded.map((r) => r.p50)),
    rate: spread(rates),
  };
}
