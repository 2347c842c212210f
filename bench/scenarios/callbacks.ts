import { spawn } from "node:child_process";
import path from "node:path";
import type { Stack } from "../lib/stack";
import { BENCH_DIR, buildBaseline, INGRESS_ENTRY, type LoadResult, startService } from "../lib/processes";
import { insertQueuedCalls, type Tenant } from "../lib/provision";
import { spread, type Spread } from "../lib/stats";

/** The ingress image's Node flags (Dockerfile); the baseline runs with the same. */
const INGRESS_NODE_OPTIONS = "--max-semi-space-size=16 --max-old-space-size=512";
const PUBLIC_BASE_URL = "https://callbacks.bench.invalid";
const AUTH_TOKEN = "bench-twilio-auth-token-0123456789";

export interface CallbackFigures {
  baseline: { rps: Spread; p99: Spread };
  route: { rps: Spread; p99: Spread };
  connections: number;
  /** Responses other than 204, per side, summed over the rounds. */
  non2xx: { baseline: number; route: number };
}

function runCallbackLoad(spec: {
  url: string;
  connections: number;
  durationSeconds: number;
  callIds: string[];
}): Promise<LoadResult> {
  const full = { ...spec, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(BENCH_DIR, "lib/callback-load.ts"), JSON.stringify(full)],
      { cwd: path.resolve(BENCH_DIR, ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), (spec.durationSeconds + 30) * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`callback load generator exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop() as string) as LoadResult);
    });
  });
}

/**
 * Scenario 8: Twilio status callbacks into the ingress' route (signature verified by the twilio library
 * against PUBLIC_BASE_URL, one INSERT into provider_events, 204) vs a bare Express route doing one INSERT,
 * interleaved × rounds. No dialer runs: the events wait in Postgres, which is what the route promises.
 */
export async function benchCallbacks(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: { rounds: number; seconds: number; connections: number },
): Promise<CallbackFigures> {
  const callIds = await insertQueuedCalls(stack.db, tenant, 1000);
  const ingress = await startService(
    INGRESS_ENTRY,
    {
      ...env,
      INGRESS_PORT: "0",
      INGRESS_HOST: "127.0.0.1",
      NODE_OPTIONS: INGRESS_NODE_OPTIONS,
      PUBLIC_BASE_URL,
      TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: "+14155550100",
    },
    /listening on (\d+)/,
  );
  const baseline = await startService(
    buildBaseline("baseline-callback"),
    {
      DATABASE_URL: stack.databaseUrl,
      DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE ?? "10",
      NODE_OPTIONS: INGRESS_NODE_OPTIONS,
      NODE_PATH: env.NODE_PATH ?? "",
      PORT: "0",
    },
    /listening on (\d+)/,
  );
  const results: Record<"baseline" | "route", LoadResult[]> = { baseline: [], route: [] };
  const base = { connections: options.connections, durationSeconds: options.seconds, callIds };
  try {
    // Warm-up: JIT, connection pools, Postgres caches.
    await runCallbackLoad({ ...base, durationSeconds: 2, url: `http://127.0.0.1:${baseline.port}` });
    await runCallbackLoad({ ...base, durationSeconds: 2, url: `http://127.0.0.1:${ingress.port}` });
    for (let round = 0; round < options.rounds; round++) {
      results.baseline.push(await runCallbackLoad({ ...base, url: `http://127.0.0.1:${baseline.port}` }));
      results.route.push(await runCallbackLoad({ ...base, url: `http://127.0.0.1:${ingress.port}` }));
    }
  } finally {
    await Promise.all([ingress.stop(), baseline.stop()]);
  }
  const figures = (runs: LoadResult[]) => ({
    rps: spread(runs.map((r) => r.requestsPerSecond)),
    p99: spread(runs.map((r) => r.latencyP99)),
  });
  const refused = (runs: LoadResult[]) => runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  return {
    baseline: figures(results.baseline),
    route: figures(results.route),
    connections: options.connections,
    non2xx: { baseline: refused(results.baseline), route: refused(results.route) },
  };
}
