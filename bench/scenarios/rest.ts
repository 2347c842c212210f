import { createApiKey } from "@inbound/db";
import { INGRESS_ENTRY, type LoadResult, runLoad, startService } from "../lib/processes";
import type { Tenant } from "../lib/provision";
import type { Stack } from "../lib/stack";
import { type Spread, spread } from "../lib/stats";
import { INGRESS_NODE_OPTIONS } from "./ingress";

export interface RestFigures {
  /** Scenario 7: POST /v1/calls against the webhook's call.create, run at the same time on one ingress. */
  webhookCreate: { rps: Spread; p50: Spread; p99: Spread };
  restCreate: { rps: Spread; p50: Spread; p99: Spread };
  /** Scenario 8: GET /v1/calls/{id} against a bare Express + pg primary-key SELECT, same Node flags. */
  bareRead: { rps: Spread; p99: Spread };
  restRead: { rps: Spread; p99: Spread };
  /** Scenario 9: GET /v1/calls?limit=100 (first and deeper pages) p50 with `small` and then `large` calls. */
  list: { small: number; large: number; smallP50: Spread; largeP50: Spread };
  non2xx: Record<string, number>;
}

const INSERT_CALLS = `
  INSERT INTO calls (id, org_id, agent_id, status, contact_number, contact_name, additional_info, credits_reserved,
    attempts, created_at, queued_at, ended_at)
  SELECT 'call_list_' || $4::int + g, $1, $2, 'completed', '+14155552671', 'Listed Contact', '{"plan": "pro"}', 1, 1,
         now() - (($4::int + g) || ' seconds')::interval, now() - (($4::int + g) || ' seconds')::interval, now()
  FROM generate_series(1, $3::int) g`;

/**
 * Scenarios 7–9, the REST API. All ingress and baseline processes run with the ingress image's Node flags.
 * Each comparison is interleaved over rounds, so machine noise hits both sides alike.
 */
export async function benchRest(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: { rounds: number; seconds: number; connections: number; smallRows: number; largeRows: number },
): Promise<RestFigures> {
  const { api_key: apiKey } = await createApiKey(stack.db.prisma, { orgId: tenant.orgId, name: "bench" });
  const ingress = await startService(
    INGRESS_ENTRY,
    { ...env, INGRESS_PORT: "0", INGRESS_HOST: "127.0.0.1", NODE_OPTIONS: INGRESS_NODE_OPTIONS },
    /listening on (\d+)/,
  );
  const bare = await startService(
    "bench/baseline-read-server.ts",
    {
      DATABASE_URL: stack.databaseUrl,
      DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE ?? "10",
      PORT: "0",
      NODE_OPTIONS: INGRESS_NODE_OPTIONS,
    },
    /listening on (\d+)/,
  );
  const ingressUrl = `http://127.0.0.1:${ingress.port}`;
  const base = { connections: options.connections, durationSeconds: options.seconds };
  const one = { tokens: [tenant.token], agentIds: [tenant.agentId], apiKey };
  const runs: Record<string, LoadResult[]> = {
    webhookCreate: [],
    restCreate: [],
    bareRead: [],
    restRead: [],
    small: [],
    large: [],
  };
  try {
    // 7: creates, both transports at the same time on the same ingress, half the connections each: every
    // stall of the machine hits both alike, so the ratio is the relative cost of the two paths.
    const half = { ...base, connections: Math.max(1, Math.floor(options.connections / 2)), url: ingressUrl, ...one };
    await Promise.all([runLoad({ ...half, durationSeconds: 2 }), runLoad({ ...half, durationSeconds: 2, mode: "rest-create" })]);
    for (let round = 0; round < options.rounds; round++) {
      const [webhook, restCreate] = await Promise.all([runLoad(half), runLoad({ ...half, mode: "rest-create" })]);
      runs.webhookCreate?.push(webhook);
      runs.restCreate?.push(restCreate);
    }

    // 8: reads of existing calls by id.
    const { rows } = await stack.db.pool.query<{ id: string }>(
      "SELECT id FROM calls WHERE org_id = $1 ORDER BY random() LIMIT 1000",
      [tenant.orgId],
    );
    const paths = rows.map((r) => `/v1/calls/${r.id}`);
    const read = { ...base, ...one, mode: "get" as const, paths };
    await runLoad({ ...read, durationSeconds: 2, url: `http://127.0.0.1:${bare.port}` });
    await runLoad({ ...read, durationSeconds: 2, url: ingressUrl });
    for (let round = 0; round < options.rounds; round++) {
      runs.bareRead?.push(await runLoad({ ...read, url: `http://127.0.0.1:${bare.port}` }));
      runs.restRead?.push(await runLoad({ ...read, url: ingressUrl }));
    }

    // 9: the list, with few and with many calls in the table (all of this organisation: the worst case).
    // Each round rebuilds the table, measures it small, grows it and measures it large, so a change in the
    // machine's load during the run hits both sizes alike.
    const listPaths = async (rowsInTable: number) => {
      // The first page and pages a quarter, half and three quarters deep (keyset cursors, as next_cursor makes them).
      const result = ["/v1/calls?limit=100"];
      for (const depth of [0.25, 0.5, 0.75]) {
        const { rows: at } = await stack.db.pool.query<{ created_at: Date; id: string }>(
          "SELECT created_at, id FROM calls WHERE org_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
          [tenant.orgId, Math.floor(rowsInTable * depth)],
        );
        const row = at[0];
        if (row) {
          const cursor = Buffer.from(`${row.created_at.toISOString()}~${row.id}`).toString("base64url");
          result.push(`/v1/calls?limit=100&starting_after=${cursor}`);
        }
      }
      return result;
    };
    const settle = async () => {
      await stack.db.pool.query("VACUUM ANALYZE calls");
      await stack.db.pool.query("CHECKPOINT");
    };
    const list = { connections: 10, durationSeconds: Math.max(4, options.seconds / 2), ...one, mode: "get" as const };
    for (let round = 0; round < options.rounds; round++) {
      await stack.db.pool.query("TRUNCATE calls CASCADE");
      await stack.db.pool.query(INSERT_CALLS, [tenant.orgId, tenant.agentId, options.smallRows, 0]);
      await settle();
      const smallPaths = await listPaths(options.smallRows);
      await runLoad({ ...list, durationSeconds: 2, url: ingressUrl, paths: smallPaths });
      runs.small?.push(await runLoad({ ...list, url: ingressUrl, paths: smallPaths }));
      await stack.db.pool.query(INSERT_CALLS, [
        tenant.orgId,
        tenant.agentId,
        options.largeRows - options.smallRows,
        options.smallRows,
      ]);
      await settle();
      const largePaths = await listPaths(options.largeRows);
      await runLoad({ ...list, durationSeconds: 2, url: ingressUrl, paths: largePaths });
      runs.large?.push(await runLoad({ ...list, url: ingressUrl, paths: largePaths }));
    }
  } finally {
    await Promise.all([ingress.stop(), bare.stop()]);
  }
  const of = (name: string) => runs[name] ?? [];
  const figures = (name: string) => ({
    rps: spread(of(name).map((r) => r.requestsPerSecond)),
    p50: spread(of(name).map((r) => r.latencyP50)),
    p99: spread(of(name).map((r) => r.latencyP99)),
  });
  const non2xx: Record<string, number> = {};
  for (const [name, list] of Object.entries(runs)) non2xx[name] = list.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  return {
    webhookCreate: figures("webhookCreate"),
    restCreate: figures("restCreate"),
    bareRead: figures("bareRead"),
    restRead: figures("restRead"),
    list: {
      small: options.smallRows,
      large: options.largeRows,
      smallP50: spread(of("small").map((r) => r.latencyP50)),
      largeP50: spread(of("large").map((r) => r.latencyP50)),
    },
    non2xx,
  };
}
