import type { Stack } from "../lib/stack";
import { INGRESS_ENTRY, rssMiB, runLoad, startService, type LoadResult } from "../lib/processes";
import type { Tenant } from "../lib/provision";
import { spread, type Spread } from "../lib/stats";

/**
 * The V8 heap flags of the ingress image's CMD (Dockerfile): young generation and old-space growth capped.
 * Every baseline compared with the ingress runs with the same flags, so a ratio measures the code, not V8's
 * heap sizing.
 */
export const INGRESS_NODE_OPTIONS = "--max-semi-space-size=16 --max-old-space-size=512";

export interface IngressFigures {
  baseline: { rps: Spread; p99: Spread };
  unsigned: { rps: Spread; p99: Spread };
  signed: { rps: Spread; p99: Spread };
  manyOrgs: { rps: Spread; p99: Spread };
  ingressRssMiB: number;
  non2xx: Record<string, number>;
}

/** Scenarios 1 and 2: runs interleaved (baseline, unsigned, signed, many orgs) × rounds, so noise hits all alike. */
export async function benchIngress(
  stack: Stack,
  env: Record<string, string>,
  tenants: { one: Tenant; signed: Tenant; many: Tenant[] },
  options: { rounds: number; seconds: number; connections: number },
): Promise<IngressFigures> {
  const ingress = await startService(
    INGRESS_ENTRY,
    { ...env, INGRESS_PORT: "0", INGRESS_HOST: "127.0.0.1", NODE_OPTIONS: INGRESS_NODE_OPTIONS },
    /listening on (\d+)/,
  );
  const baseline = await startService(
    "bench/baseline-server.ts",
    {
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE ?? "10",
      BASELINE_ORG_ID: tenants.one.orgId,
      BASELINE_AGENT_ID: tenants.one.agentId,
      PORT: "0",
      NODE_OPTIONS: INGRESS_NODE_OPTIONS,
    },
    /listening on (\d+)/,
  );
  const results: Record<"baseline" | "unsigned" | "signed" | "manyOrgs", LoadResult[]> = {
    baseline: [],
    unsigned: [],
    signed: [],
    manyOrgs: [],
  };
  let ingressRss = 0;
  const sampler = setInterval(() => {
    ingressRss = Math.max(ingressRss, rssMiB(ingress.child.pid));
  }, 250);
  const base = { connections: options.connections, durationSeconds: options.seconds };
  const one = { tokens: [tenants.one.token], agentIds: [tenants.one.agentId] };
  try {
    // Warm-up: JIT, connection pools, Postgres caches.
    await runLoad({ ...base, durationSeconds: 2, url: `http://127.0.0.1:${baseline.port}`, ...one });
    await runLoad({ ...base, durationSeconds: 2, url: `http://127.0.0.1:${ingress.port}`, ...one });
    for (let round = 0; round < options.rounds; round++) {
      results.baseline.push(await runLoad({ ...base, url: `http://127.0.0.1:${baseline.port}`, ...one }));
      results.unsigned.push(await runLoad({ ...base, url: `http://127.0.0.1:${ingress.port}`, ...one }));
      results.signed.push(
        await runLoad({
          ...base,
          url: `http://127.0.0.1:${ingress.port}`,
          tokens: [tenants.signed.token],
          agentIds: [tenants.signed.agentId],
          signingSecrets: [tenants.signed.signingSecret as string],
        }),
      );
      results.manyOrgs.push(
        await runLoad({
          ...base,
          url: `http://127.0.0.1:${ingress.port}`,
          tokens: tenants.many.map((t) => t.token),
          agentIds: tenants.many.map((t) => t.agentId),
        }),
      );
    }
  } finally {
    clearInterval(sampler);
    await Promise.all([ingress.stop(), baseline.stop()]);
  }
  const figures = (runs: LoadResult[]) => ({
    rps: spread(runs.map((r) => r.requestsPerSecond)),
    p99: spread(runs.map((r) => r.latencyP99)),
  });
  const non2xx: Record<string, number> = {};
  for (const [name, runs] of Object.entries(results))
    non2xx[name] = runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  return {
    baseline: figures(results.baseline),
    unsigned: figures(results.unsigned),
    signed: figures(results.signed),
    manyOrgs: figures(results.manyOrgs),
    ingressRssMiB: ingressRss,
    non2xx,
  };
}

/** Scenario 3: create latency p50 on an empty calls table, then with 1 M calls in it. */
export async function benchTableGrowth(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: { rounds: number; seconds: number; rows: number },
): Promise<{ emptyP50: Spread; grownP50: Spread; rows: number }> {
  await stack.db.pool.query(`TRUNCATE calls CASCADE`);
  const ingress = await startService(
    INGRESS_ENTRY,
    { ...env, INGRESS_PORT: "0", INGRESS_HOST: "127.0.0.1", NODE_OPTIONS: INGRESS_NODE_OPTIONS },
    /listening on (\d+)/,
  );
  const load = {
    url: `http://127.0.0.1:${ingress.port}`,
    connections: 10,
    durationSeconds: options.seconds,
    tokens: [tenant.token],
    agentIds: [tenant.agentId],
  };
  try {
    await runLoad({ ...load, durationSeconds: 2 });
    await stack.db.pool.query(`TRUNCATE calls CASCADE`);
    await stack.db.pool.query(`VACUUM ANALYZE calls`);
    const empty: number[] = [];
    for (let i = 0; i < options.rounds; i++) empty.push((await runLoad(load)).latencyP50);

    await stack.db.pool.query(
      `INSERT INTO calls (id, org_id, agent_id, status, contact_number, contact_name, credits_reserved, queued_at, ended_at)
       SELECT 'call_grow_' || g, $1, $2, 'completed', '+14155552671', 'Grown Contact', 1,
              now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
       FROM generate_series(1, $3) g`,
      [tenant.orgId, tenant.agentId, options.rows],
    );
    await stack.db.pool.query(`VACUUM ANALYZE calls`);
    const grown: number[] = [];
    for (let i = 0; i < options.rounds; i++) grown.push((await runLoad(load)).latencyP50);
    return { emptyP50: spread(empty), grownP50: spread(grown), rows: options.rows };
  } finally {
    await ingress.stop();
  }
}
