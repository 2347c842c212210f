/**
 * `pnpm bench`: measures the ingress and the dialer against bare baselines in the same run, on the same
 * Postgres and Redis, and prints ratios (machines are noisy; ratios of side-by-side runs are not).
 * Every load is bounded in time and stays on 127.0.0.1. Knobs: BENCH_ROUNDS, BENCH_SECONDS,
 * BENCH_CONNECTIONS, BENCH_GROWTH_ROWS, BENCH_LIST_ROWS (10,000 and 1,000,000 by default, comma-separated),
 * BENCH_DIALER_PARTS (drain,scale,capacity), BENCH_DATABASE_URL / BENCH_REDIS_URL (else containers).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { benchDialer, benchRedisFootprint } from "./scenarios/dialer";
import { benchIngress, benchTableGrowth } from "./scenarios/ingress";
import { benchCallbacks } from "./scenarios/callbacks";
import { benchRest } from "./scenarios/rest";
import { benchRequestLog } from "./scenarios/request-log";
import { benchDueScan, benchOrders, benchScheduledDrain } from "./scenarios/orders";
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
/** Connections of the provider-callback load (scenario 8). */
const CALLBACK_CONNECTIONS = int("BENCH_CALLBACK_CONNECTIONS", 20);
const [LIST_SMALL, LIST_LARGE] = (process.env.BENCH_LIST_ROWS ?? "10000,1000000").split(",").map(Number) as [number, number];
const [DUE_SMALL, DUE_LARGE] = (process.env.BENCH_DUE_ROWS ?? "10000,1000000").split(",").map(Number) as [number, number];
/** Comma-separated subset of: ingress, footprint, dialer, growth, callbacks, rest, requestlog, webhooks, orders, duescan, scheduleddrain (default: all). */
const SCENARIOS = new Set(
  (process.env.BENCH_SCENARIOS ?? "ingress,footprint,dialer,growth,callbacks,rest,requestlog,webhooks,orders,duescan,scheduleddrain")
    .split(",")
    .map((s) => s.trim()),
);

/** Comma-separated subset of the dialer scenario's parts: drain (4), scale (5), capacity (7) (default: all). */
const DIALER_PARTS = new Set(
  (process.env.BENCH_DIALER_PARTS ?? "drain,scale,capacity").split(",").map((s) => s.trim()) as (
    | "drain"
    | "scale"
    | "capacity"
  )[],
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
      ? await step("scenarios 4, 5, 7: dialer drain, scale-out and capacity", () =>
          benchDialer(stack, env, one, {
            rounds: ROUNDS,
            drainCalls: 2000,
            placeMs: 200,
            talkMs: 2000,
            scaleConcurrency: 20,
            scaleCalls: 2000,
            capacityCalls: 5000,
            capacityTalkMs: 30_000,
            parts: DIALER_PARTS,
          }),
        )
      : undefined;
    const callbacks = SCENARIOS.has("callbacks")
      ? await step(
          `scenario 8: Twilio callbacks vs baseline, ${ROUNDS} rounds × ${SECONDS} s, ${CALLBACK_CONNECTIONS} connections`,
          () => benchCallbacks(stack, env, one, { rounds: ROUNDS, seconds: SECONDS, connections: CALLBACK_CONNECTIONS }),
        )
      : undefined;
    const requestLog = SCENARIOS.has("requestlog")
      ? await step(
          `scenario 9: call.create with the request log on vs off, ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections`,
          () => benchRequestLog(stack, env, one, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS }),
        )
      : undefined;
    const orders = SCENARIOS.has("orders")
      ? await step(
          `scenario 10 (issue 14): call.create plain vs with a retry policy vs scheduled with a retry policy, ${ROUNDS} rounds × ${SECONDS} s`,
          () => benchOrders(env, one, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS }),
        )
      : undefined;
    const dueScan = SCENARIOS.has("duescan")
      ? await step(`scenario 16 (issue 14): the due-call scan among ${fmt(DUE_SMALL)} vs ${fmt(DUE_LARGE)} scheduled calls`, () =>
          benchDueScan(stack.db, one, { small: DUE_SMALL, large: DUE_LARGE, samples: 200 }),
        )
      : undefined;
    const scheduledDrain = SCENARIOS.has("scheduleddrain")
      ? await step("scenario 17 (issue 14): the dialer's drain without and with 100,000 calls scheduled for later", () =>
          benchScheduledDrain(stack, env, one, { rounds: ROUNDS, count: int("BENCH_DRAIN_CALLS", 3000), scheduled: 100_000 }),
        )
      : undefined;
    const growth = SCENARIOS.has("growth")
      ? await step(`scenario 3: create latency on an empty table vs ${fmt(GROWTH_ROWS)} calls`, () =>
          benchTableGrowth(stack, env, one, { rounds: ROUNDS, seconds: Math.max(4, SECONDS / 2), rows: GROWTH_ROWS }),
        )
      : undefined;
    const rest = SCENARIOS.has("rest")
      ? await step(
          `scenarios 7–9: REST API (create vs webhook, read vs bare pg, list at ${fmt(LIST_SMALL)} vs ${fmt(LIST_LARGE)} calls)`,
          () =>
            benchRest(stack, env, one, {
              rounds: ROUNDS,
              seconds: SECONDS,
              connections: CONNECTIONS,
              smallRows: LIST_SMALL,
              largeRows: LIST_LARGE,
            }),
        )
      : undefined;

    const webhooks = SCENARIOS.has("webhooks")
      ? await step(
          "scenarios 13–14: status-webhook deliveries vs bare fetch; event-to-delivery p99 with a timing-out endpoint",
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
      const cap = dialer.capacity;
      const dialerRows: [string, Row][] = [
        [
          "drain",
          [
            "4 dialer drain, zero call time (bare worker | dialer)",
            `${fmtSpread(dialer.drainBare)} calls/s, ${fmt(dialer.drainStatementsBare, 1)} stmt/call`,
            `${fmtSpread(dialer.drainDialer)} calls/s, ${fmt(dialer.drainStatementsDialer, 1)} stmt/call`,
            `${fmt(drain, 2)}× bare (≥0.80 ${verdict(drain >= 0.8)})`,
          ],
        ],
        [
          "scale",
          [
            `5 scale-out, placing ${fmt(dialer.placeMs)} ms, talk ${fmt(dialer.talkMs / 1000)} s (1 | 2 dialers)`,
            `${fmtSpread(dialer.scale1, 1)} calls/s`,
            `${fmtSpread(dialer.scale2, 1)} calls/s, ${fmt(dialer.scaleStatements, 1)} stmt/call`,
            `${fmt(scale, 2)}× (≥1.90 ${verdict(scale >= 1.9)})`,
          ],
        ],
        [
          "capacity",
          [
            `7 one dialer, ${fmt(cap.calls)} calls talking ${fmt(cap.talkMs / 1000)} s`,
            `peak ${fmt(cap.peakActive)} concurrent calls`,
            `RSS ${fmt(cap.rssMiB)} MiB, ${fmt(cap.statementsPerCall, 1)} stmt/call`,
            `≥5,000 ${verdict(cap.peakActive >= 5000)}, ≤512 MiB ${verdict(cap.rssMiB > 0 && cap.rssMiB <= 512)}`,
          ],
        ],
      ];
      for (const [part, row] of dialerRows) if (DIALER_PARTS.has(part as "drain")) rows.push(row);
    }
    if (callbacks) {
      const r = ratio(callbacks.route.rps.median, callbacks.baseline.rps.median);
      rows.push(
        [
          `8 baseline callback (Express + one INSERT), ${callbacks.connections} conn.`,
          `${fmtSpread(callbacks.baseline.rps)} req/s`,
          `p99 ${fmtSpread(callbacks.baseline.p99)} ms`,
          "reference",
        ],
        [
          "8 Twilio callback route (signature + INSERT)",
          `${fmtSpread(callbacks.route.rps)} req/s`,
          `p99 ${fmtSpread(callbacks.route.p99)} ms`,
          `${fmt(r, 2)}× baseline; ≥2,000/s ${verdict(callbacks.route.rps.median >= 2000)}, p99 ≤50 ms ${verdict(callbacks.route.p99.median <= 50)}; non-204 ${callbacks.non2xx.route}`,
        ],
      );
    }
    if (rest) {
      const create = ratio(rest.restCreate.rps.median, rest.webhookCreate.rps.median);
      const createP50 = ratio(rest.restCreate.p50.median, rest.webhookCreate.p50.median);
      const read = ratio(rest.restRead.rps.median, rest.bareRead.rps.median);
      const list = ratio(rest.list.largeP50.median, rest.list.smallP50.median);
      rows.push(
        [
          "9 create, side by side: webhook call.create | POST /v1/calls",
          `${fmtSpread(rest.webhookCreate.rps)} req/s`,
          `${fmtSpread(rest.restCreate.rps)} req/s`,
          `${fmt(create, 2)}× throughput (≥0.90 ${verdict(create >= 0.9)}), ${fmt(createP50, 2)}× p50 (≤1.10 ${verdict(createP50 <= 1.1)})`,
        ],
        [
          "10 read: bare Express + pg PK SELECT | GET /v1/calls/{id}",
          `${fmtSpread(rest.bareRead.rps)} req/s`,
          `${fmtSpread(rest.restRead.rps)} req/s`,
          `${fmt(read, 2)}× bare (≥0.80 ${verdict(read >= 0.8)})`,
        ],
        [
          `11 list limit=100 p50, ${fmt(rest.list.small)} | ${fmt(rest.list.large)} calls`,
          `${fmtSpread(rest.list.smallP50, 1)} ms`,
          `${fmtSpread(rest.list.largeP50, 1)} ms`,
          `${fmt(list, 2)}× (≤1.15 ${verdict(list <= 1.15)})`,
        ],
      );
    }
    if (requestLog) {
      const r = ratio(requestLog.on.rps.median, requestLog.off.rps.median);
      rows.push([
        "12 call.create, request log on (A) vs off (B)",
        `${fmtSpread(requestLog.on.rps)} req/s, p99 ${fmtSpread(requestLog.on.p99)} ms`,
        `${fmtSpread(requestLog.off.rps)} req/s, p99 ${fmtSpread(requestLog.off.p99)} ms`,
        `${fmt(r, 2)}× throughput with the log (≥0.90 ${verdict(r >= 0.9)}); ${fmt(requestLog.logged)} entries logged`,
      ]);
    }
    if (orders) {
      for (const kind of ["retry", "scheduled"] as const) {
        const r = ratio(orders[kind].rps.median, orders.plain.rps.median);
        const p = ratio(orders[kind].p99.median, orders.plain.p99.median);
        rows.push([
          `15 call.create plain (A) vs ${kind === "retry" ? "with retry + calling_hours, queued" : "not_before tomorrow + retry, scheduled"} (B)`,
          `${fmtSpread(orders.plain.rps)} req/s, p99 ${fmtSpread(orders.plain.p99)} ms`,
          `${fmtSpread(orders[kind].rps)} req/s, p99 ${fmtSpread(orders[kind].p99)} ms`,
          `${fmt(r, 2)}× throughput (≥0.90 ${verdict(r >= 0.9)}), ${fmt(p, 2)}× p99`,
        ]);
      }
    }
    if (scheduledDrain) {
      const r = ratio(scheduledDrain.with.median, scheduledDrain.without.median);
      rows.push([
        `17 dialer drain, 0 vs ${fmt(scheduledDrain.scheduled)} scheduled for later`,
        `${fmtSpread(scheduledDrain.without)} calls/s`,
        `${fmtSpread(scheduledDrain.with)} calls/s`,
        `${fmt(r, 2)}× (≥0.90 ${verdict(r >= 0.9)})`,
      ]);
    }
    if (dueScan) {
      const r = ratio(dueScan.largeP50, dueScan.smallP50);
      rows.push([
        `16 due-call round p50, ${fmt(dueScan.small)} vs ${fmt(dueScan.large)} scheduled`,
        `${fmt(dueScan.smallP50, 2)} ms`,
        `${fmt(dueScan.largeP50, 2)} ms`,
        `${fmt(r, 2)}× (flat: ≤1.15 ${verdict(r <= 1.15)})`,
      ]);
    }
    if (webhooks) {
      const r = ratio(webhooks.worker.median, webhooks.bare.median);
      const p = ratio(webhooks.degradedP99.median, webhooks.healthyP99.median);
      rows.push(
        [
          "13 webhook deliveries, 10 endpoints (bare fetch | worker)",
          `${fmtSpread(webhooks.bare)} POST/s`,
          `${fmtSpread(webhooks.worker)} deliveries/s`,
          `${fmt(r, 2)}× bare (≥0.60 ${verdict(r >= 0.6)})`,
        ],
        [
          `14 event→delivery, ${fmt(webhooks.rate.median)} transitions/s, 9 healthy endpoints (all up | 1 of 10 timing out)`,
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
          redisBytesPerCall === undefined ? "" : `${verdict(redisBytesPerCall <= 512)} ≤512 B`,
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
      `\n${table}\n\nmedian (min–max) of ${ROUNDS} runs; non-2xx/errors per scenario: ${JSON.stringify({ ...(ingress?.non2xx ?? {}), ...(rest?.non2xx ?? {}) })}\n`,
    );

    const dir = path.resolve(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ startedAt: new Date(startedAt).toISOString(), seconds: (Date.now() - startedAt) / 1000, rounds: ROUNDS, ingress, growth, dialer, callbacks, rest, requestLog, webhooks, redisBytesPerCall }, null, 2)}\n`,
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
