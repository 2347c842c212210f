/**
 * `pnpm bench`: measures the ingress and the dialer against bare baselines in the same run, on the same
 * Postgres and Redis, and prints ratios (machines are noisy; ratios of side-by-side runs are not).
 * Every load is bounded in time and stays on 127.0.0.1. Knobs: BENCH_ROUNDS, BENCH_SECONDS,
 * BENCH_CONNECTIONS, BENCH_GROWTH_ROWS, BENCH_DATABASE_URL / BENCH_REDIS_URL (else containers).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { benchDialer, benchRedisFootprint } from "./scenarios/dialer";
import { benchIngress, benchTableGrowth } from "./scenarios/ingress";
import { benchWebhooks } from "./scenarios/webhooks";
import { provisionTenants } from "./lib/provision";
import { buildBundles } from "./lib/processes";
import { startStack } from "./lib/stack";
import { fmt, fmtSpread } from "./lib/stats";

const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = int("BENCH_ROUNDS", 3);
const SECONDS = int("BENCH_SECONDS", 8);
const CONNECTIONS = int("BENCH_CONNECTIONS", 50);
const GROWTH_ROWS = int("BENCH_GROWTH_ROWS", 1_000_000);
const SECRETS_KEY = "ab".repeat(32);
/** Comma-separated subset of: ingress, footprint, dialer, growth, webhooks (default: all). */
const SCENARIOS = new Set(
  (process.env.BENCH_SCENARIOS ?? "ingress,footprint,dialer,growth,webhooks").split(",").map((s) => s.trim()),
);

async function step<T>(label: string, run: () => Promise<T>): Promise<T> {
  log(label);
  return run();
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  log("building the service bundles");
  const bundleEnv = buildBundles();
  log("starting Postgres and Redis");
  const stack = await startStack();
  const env = {
    NODE_ENV: "production",
    // Production logging: the per-request and per-transition lines are part of the cost being measured.
    LOG_LEVEL: "info",
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    REDIS_PREFIX: "{bench}",
    SECRETS_KEY,
    DATABASE_POOL_SIZE: "10",
    RECONCILE_INTERVAL_MS: "600000",
    METRICS_ENABLED: "true",
    ...bundleEnv,
  };
  try {
    log("provisioning 1,002 organisations");
    const [one] = await provisionTenants(stack.db, 1, { secretsKey: SECRETS_KEY });
    const [signed] = await provisionTenants(stack.db, 1, { signed: true, secretsKey: SECRETS_KEY });
    const many = await provisionTenants(stack.db, 1000, { secretsKey: SECRETS_KEY });
    if (!one || !signed) throw new Error("provisioning failed");

    const ingress = SCENARIOS.has("ingress")
      ? await step(`scenarios 1–2: ingress vs baseline, ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections`, () =>
          benchIngress(stack, env, { one, signed, many }, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS }),
        )
      : undefined;
    const redisBytesPerCall = SCENARIOS.has("footprint")
      ? await step("scenario 6: Redis memory per queued call", () => benchRedisFootprint(stack, one, 10_000))
      : undefined;
    const dialer = SCENARIOS.has("dialer")
      ? await step("scenarios 4–5: dialer drain and scale-out", () =>
          benchDialer(stack, env, one, {
            rounds: ROUNDS,
            drainCalls: 2000,
            talkMs: 2000,
            scaleConcurrency: 100,
            scaleCalls: 600,
            maxConcurrency: 500,
          }),
        )
      : undefined;
    const growth = SCENARIOS.has("growth")
      ? await step(`scenario 3: create latency on an empty table vs ${fmt(GROWTH_ROWS)} calls`, () =>
          benchTableGrowth(stack, env, one, { rounds: ROUNDS, seconds: Math.max(4, SECONDS / 2), rows: GROWTH_ROWS }),
        )
      : undefined;

    const webhooks = SCENARIOS.has("webhooks")
      ? await step(
          "scenarios 7–8: status-webhook deliveries vs bare fetch; event-to-delivery p99 with a timing-out endpoint",
          () =>
            benchWebhooks(stack, env, {
              rounds: ROUNDS,
              secretsKey: SECRETS_KEY,
              throughputMessages: 5000,
              rate: 500,
              seconds: 10,
            }),
        )
      : undefined;

    const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    type Row = [string, string, string, string];
    const rows: Row[] = [];
    if (ingress) {
      rows.push([
        "1 baseline (Express + INSERT + BullMQ add)",
        `${fmtSpread(ingress.baseline.rps)} req/s`,
        `p99 ${fmtSpread(ingress.baseline.p99)} ms`,
        "reference",
      ]);
      for (const k of ["unsigned", "signed"] as const) {
        const r = ratio(ingress[k].rps.median, ingress.baseline.rps.median);
        const p = ratio(ingress[k].p99.median, ingress.baseline.p99.median);
        rows.push([
          `1 ingress call.create, ${k}`,
          `${fmtSpread(ingress[k].rps)} req/s`,
          `p99 ${fmtSpread(ingress[k].p99)} ms`,
          `${fmt(r, 2)}× throughput (≥0.70 ${verdict(r >= 0.7)}), ${fmt(p, 2)}× p99 (≤1.50 ${verdict(p <= 1.5)})`,
        ]);
      }
      const r = ratio(ingress.manyOrgs.rps.median, ingress.unsigned.rps.median);
      rows.push([
        "2 ingress, 1,000 organisations",
        `${fmtSpread(ingress.manyOrgs.rps)} req/s`,
        `p99 ${fmtSpread(ingress.manyOrgs.p99)} ms`,
        `${fmt(r, 2)}× scenario 1 (≥0.90 ${verdict(r >= 0.9)})`,
      ]);
    }
    if (growth) {
      const r = ratio(growth.grownP50.median, growth.emptyP50.median);
      rows.push([
        `3 create p50, empty vs ${fmt(growth.rows)} calls`,
        `${fmtSpread(growth.emptyP50, 1)} ms`,
        `${fmtSpread(growth.grownP50, 1)} ms`,
        `${fmt(r, 2)}× (≤1.15 ${verdict(r <= 1.15)})`,
      ]);
    }
    if (dialer) {
      const drain = ratio(dialer.drainDialer.median, dialer.drainBare.median);
      const scale = ratio(dialer.scale2.median, dialer.scale1.median);
      rows.push(
        [
          "4 dialer drain, zero timings (bare worker | dialer)",
          `${fmtSpread(dialer.drainBare)} calls/s`,
          `${fmtSpread(dialer.drainDialer)} calls/s`,
          `${fmt(drain, 2)}× bare (≥0.30 ${verdict(drain >= 0.3)})`,
        ],
        [
          "5 scale-out, 2 s talk, concurrency 100 (1 | 2 dialers)",
          `${fmtSpread(dialer.scale1, 1)} calls/s`,
          `${fmtSpread(dialer.scale2, 1)} calls/s`,
          `${fmt(scale, 2)}× (≥1.80 ${verdict(scale >= 1.8)})`,
        ],
        [
          `5 one dialer at concurrency ${dialer.maxConcurrency.concurrency}`,
          `${fmt(dialer.maxConcurrency.callsPerSecond, 1)} calls/s`,
          `peak ${fmt(dialer.maxConcurrency.peakActive)} concurrent calls`,
          `RSS ${fmt(dialer.maxConcurrency.rssMiB)} MiB (≥500 concurrent ${verdict(dialer.maxConcurrency.peakActive >= 500)})`,
        ],
      );
    }
    if (webhooks) {
      const r = ratio(webhooks.worker.median, webhooks.bare.median);
      const p = ratio(webhooks.degradedP99.median, webhooks.healthyP99.median);
      rows.push(
        [
          "7 webhook deliveries, 10 endpoints (bare fetch | worker)",
          `${fmtSpread(webhooks.bare)} POST/s`,
          `${fmtSpread(webhooks.worker)} deliveries/s`,
          `${fmt(r, 2)}× bare (≥0.60 ${verdict(r >= 0.6)})`,
        ],
        [
          `8 event→delivery, ${fmt(webhooks.rate.median)} transitions/s, 9 healthy endpoints (all up | 1 of 10 timing out)`,
          `p99 ${fmtSpread(webhooks.healthyP99)} ms (p50 ${fmt(webhooks.healthyP50.median)})`,
          `p99 ${fmtSpread(webhooks.degradedP99)} ms (p50 ${fmt(webhooks.degradedP50.median)})`,
          `${fmt(p, 2)}× (≤2.00 ${verdict(p <= 2)})`,
        ],
      );
    }
    if (redisBytesPerCall !== undefined || ingress) {
      rows.push([
        "6 footprint",
        redisBytesPerCall === undefined ? "-" : `Redis ${fmt(redisBytesPerCall)} B per queued call`,
        ingress ? `ingress RSS ${fmt(ingress.ingressRssMiB)} MiB under load` : "-",
        [
          redisBytesPerCall === undefined ? "" : `${verdict(redisBytesPerCall <= 1024)} ≤1 KiB`,
          ingress ? `${verdict(ingress.ingressRssMiB <= 200)} ≤200 MB` : "",
        ]
          .filter(Boolean)
          .join(", "),
      ]);
    }
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
    const table = [
      line(["scenario", "figure A", "figure B", "ratio / target"]),
      `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
      ...rows.map(line),
    ].join("\n");
    process.stdout.write(
      `\n${table}\n\nmedian (min–max) of ${ROUNDS} runs; non-2xx/errors per scenario: ${JSON.stringify(ingress?.non2xx ?? {})}\n`,
    );

    const dir = path.resolve(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ startedAt: new Date(startedAt).toISOString(), seconds: (Date.now() - startedAt) / 1000, rounds: ROUNDS, ingress, growth, dialer, redisBytesPerCall, webhooks }, null, 2)}\n`,
    );
    log(`figures written to ${path.relative(process.cwd(), file)} (${fmt((Date.now() - startedAt) / 1000)} s)`);
  } finally {
    await stack.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
