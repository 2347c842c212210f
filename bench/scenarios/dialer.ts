import { LIVE_STATUSES, TERMINAL_STATUSES } from "@inbound/contracts";
import { statusListSql } from "@inbound/db";
import { createQueues, createRedis, enqueueCalls } from "@inbound/queue";
import type { Stack } from "../lib/stack";
import { buildBaseline, DIALER_ENTRY, rssMiB, startService } from "../lib/processes";
import { insertQueuedCalls, type Tenant } from "../lib/provision";
import { settledTransactions, transactionsSoFar } from "../lib/pg-counters";
import { spread, type Spread } from "../lib/stats";

async function enqueue(stack: Stack, prefix: string, tenant: Tenant, ids: string[]): Promise<void> {
  const redis = createRedis({ url: stack.redisUrl, timeoutMs: 10_000, role: "client" });
  const queues = createQueues(redis, prefix);
  try {
    // The jobs the ingress enqueues (packages/queue: enqueueCall), 1,000 per round trip.
    for (let i = 0; i < ids.length; i += 1000) {
      await enqueueCalls(
        queues,
        ids.slice(i, i + 1000).map((callId) => ({ callId, orgId: tenant.orgId })),
      );
    }
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

export interface DrainRun {
  /** calls / (last end − first dial), or / (last dial − first dial) when `rate` is "placed". */
  callsPerSecond: number;
  /** Seconds from the first dial to the last dial, and to the last end (where the time went). */
  placedSeconds: number;
  endedSeconds: number;
  /** Most calls live (dialing, ringing, in_progress) at one look, every LOOK_MS. */
  peakActive: number;
  peakRssMiB: number;
  /** Postgres statements (transactions) per call, everything the processes ran, this bench's own looks excluded. */
  statementsPerCall: number;
}

/**
 * How often the bench looks at the calls' progress. A look reads the calls not ended yet, by id (a 10,000-id
 * look costs Postgres 20-25 ms): every look takes from the system measured, the more so the longer (the
 * slower) a drain lasts. The rates come from the calls' own timestamps, not from these looks; only the
 * peak-concurrency sample of scenario 7 depends on them (its calls talk 30 s: two looks a second suffice).
 */
const LOOK_MS = 500;

/** Queues `count` calls, starts `processes` workers, and times queued → done for all of them. */
export async function drain(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: {
    entry: string;
    processes: number;
    count: number;
    timeoutSeconds: number;
    /** "ended": first dial to last end (default); "placed": first dial to last dial (the placement rate). */
    rate?: "ended" | "placed";
  },
): Promise<DrainRun> {
  const prefix = `{bench${Math.random().toString(36).slice(2, 8)}}`;
  const ids = await insertQueuedCalls(stack.db, tenant, options.count);
  // Workers first, jobs second: every worker is polling when the first job lands, so what is timed is
  // steady-state throughput, not process start-up.
  const workers = await Promise.all(
    Array.from({ length: options.processes }, () =>
      startService(options.entry, { ...env, REDIS_PREFIX: prefix, DIALER_PORT: "0" }, /dialer ready/),
    ),
  );
  const before = await transactionsSoFar(stack.db);
  let ownStatements = 0;
  const started = Date.now();
  await enqueue(stack, prefix, tenant, ids);
  let peakActive = 0;
  let peakRss = 0;
  try {
    const deadline = started + options.timeoutSeconds * 1000;
    // Each look reads only the calls not ended at the last one (an ended call never moves again), and returns
    // the ones that ended since (each call's row crosses the wire once) and how many are live.
    const pending = new Set(ids);
    let done = 0;
    const ended: Record<string, number> = {};
    for (;;) {
      ownStatements += 1;
      const { rows } = await stack.db.pool.query<{ live: number; ended: [string, string, string | null][] }>(
        `SELECT count(*) FILTER (WHERE status IN (${statusListSql(LIVE_STATUSES)}))::int AS live,
          COALESCE(jsonb_agg(jsonb_build_array(id, status, end_reason)) FILTER (WHERE status IN (${statusListSql(TERMINAL_STATUSES)})), '[]') AS ended
        FROM calls WHERE id = ANY($1)`,
        [[...pending]],
      );
      const look = rows[0] ?? { live: 0, ended: [] };
      for (const [id, status, endReason] of look.ended) {
        pending.delete(id);
        const key = `${status}/${endReason ?? ""}`;
        ended[key] = (ended[key] ?? 0) + 1;
        if (status === "completed") done += 1;
      }
      peakActive = Math.max(peakActive, look.live);
      peakRss = Math.max(peakRss, ...workers.map((w) => rssMiB(w.child.pid)));
      if (done >= ids.length) break;
      if (pending.size === 0) throw new Error(`drain: calls ended otherwise than completed (or vanished): ${JSON.stringify(ended)}`);
      if (Date.now() > deadline) throw new Error(`drain timed out: ${done}/${ids.length} done: ${JSON.stringify(ended)}`);
      await new Promise((r) => setTimeout(r, LOOK_MS));
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  // The workers have exited: their backends have reported their counters (settledTransactions waits for it).
  const after = await settledTransactions(stack.db);
  // Measured on the calls' own timestamps, so process start-up is not counted.
  const { rows } = await stack.db.pool.query<{ ended: number; placed: number }>(
    `SELECT extract(epoch FROM max(ended_at) - min(dialing_at))::float AS ended,
            extract(epoch FROM max(dialing_at) - min(dialing_at))::float AS placed
     FROM calls WHERE id = ANY($1)`,
    [ids],
  );
  const seconds = Math.max((options.rate === "placed" ? rows[0]?.placed : rows[0]?.ended) ?? 0, 0.001);
  return {
    callsPerSecond: ids.length / seconds,
    placedSeconds: rows[0]?.placed ?? 0,
    endedSeconds: rows[0]?.ended ?? 0,
    peakActive,
    peakRssMiB: peakRss,
    statementsPerCall: Math.max(0, after - before - ownStatements - 2) / ids.length,
  };
}

/** Scenario 4's dialer settings: zero call time (every simulated event due at once), 50 jobs in flight. */
export function zeroCallTime(env: Record<string, string>): Record<string, string> {
  return { ...env, SIM_RING_MS: "0", SIM_TALK_MS: "0", SIM_NO_ANSWER_MS: "0", DIALER_CONCURRENCY: "50" };
}

export interface DialerFigures {
  drainBare: Spread;
  drainDialer: Spread;
  /** Postgres statements per call in the drain: the bare worker's (1 by construction) and the dialer's. */
  drainStatementsBare: number;
  drainStatementsDialer: number;
  scale1: Spread;
  scale2: Spread;
  scaleStatements: number;
  placeMs: number;
  talkMs: number;
  capacity: { calls: number; talkMs: number; peakActive: number; rssMiB: number; statementsPerCall: number };
}

const median = (values: number[]) => spread(values).median;

/**
 * Scenarios 4, 5 and 7, on the provider-event model (a dialer places a call and lets it go; the call lives
 * at the provider and its events, recorded in Postgres, move it on):
 * - 4: drain at zero call time, the whole life of a call (claim, placement, the simulated provider's three
 *   events, their application) vs a bare BullMQ worker doing one UPDATE per job, both bundled, same flags;
 * - 5: scale-out, 1 vs 2 dialers, when what bounds a dialer is the time its work waits on: DIALER_CONCURRENCY
 *   placements in flight, each taking the provider API's round trip (SIM_PLACE_MS), the calls then talking
 *   talkMs at the provider. Rate = placements/s (first dial to last dial), every call required to complete;
 * - 7: capacity, one dialer holding `capacityCalls` live calls at once (talking capacityTalkMs), its peak RSS.
 */
export async function benchDialer(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: {
    rounds: number;
    drainCalls: number;
    placeMs: number;
    talkMs: number;
    scaleConcurrency: number;
    scaleCalls: number;
    capacityCalls: number;
    capacityTalkMs: number;
    /** Which of the three to run (BENCH_DIALER_PARTS; default all); the others report zeros. */
    parts?: ReadonlySet<"drain" | "scale" | "capacity">;
  },
): Promise<DialerFigures> {
  const parts = options.parts ?? new Set(["drain", "scale", "capacity"]);
  const baselineWorker = buildBaseline("baseline-worker");
  const zero = zeroCallTime(env);
  const bare: DrainRun[] = [];
  const dialer: DrainRun[] = [];
  for (let i = 0; parts.has("drain") && i < options.rounds; i++) {
    const run = { processes: 1, count: options.drainCalls, timeoutSeconds: 120 };
    bare.push(await drain(stack, zero, tenant, { ...run, entry: baselineWorker }));
    dialer.push(await drain(stack, zero, tenant, { ...run, entry: DIALER_ENTRY }));
  }

  const talking = {
    ...env,
    SIM_RING_MS: "0",
    SIM_TALK_MS: String(options.talkMs),
    SIM_NO_ANSWER_MS: "0",
    SIM_PLACE_MS: String(options.placeMs),
    DIALER_CONCURRENCY: String(options.scaleConcurrency),
  };
  const one: DrainRun[] = [];
  const two: DrainRun[] = [];
  for (let i = 0; parts.has("scale") && i < options.rounds; i++) {
    const run = { entry: DIALER_ENTRY, count: options.scaleCalls, timeoutSeconds: 180, rate: "placed" as const };
    one.push(await drain(stack, talking, tenant, { ...run, processes: 1 }));
    two.push(await drain(stack, talking, tenant, { ...run, processes: 2 }));
  }

  const holding = {
    ...env,
    SIM_RING_MS: "0",
    SIM_TALK_MS: String(options.capacityTalkMs),
    SIM_NO_ANSWER_MS: "0",
    DIALER_CONCURRENCY: "50",
  };
  const capacity = parts.has("capacity")
    ? await drain(stack, holding, tenant, {
        entry: DIALER_ENTRY,
        processes: 1,
        count: options.capacityCalls,
        timeoutSeconds: 120 + options.capacityTalkMs / 1000,
      })
    : { callsPerSecond: 0, placedSeconds: 0, endedSeconds: 0, peakActive: 0, peakRssMiB: 0, statementsPerCall: 0 };
  return {
    drainBare: spread(bare.map((r) => r.callsPerSecond)),
    drainDialer: spread(dialer.map((r) => r.callsPerSecond)),
    drainStatementsBare: median(bare.map((r) => r.statementsPerCall)),
    drainStatementsDialer: median(dialer.map((r) => r.statementsPerCall)),
    scale1: spread(one.map((r) => r.callsPerSecond)),
    scale2: spread(two.map((r) => r.callsPerSecond)),
    scaleStatements: median([...one, ...two].map((r) => r.statementsPerCall)),
    placeMs: options.placeMs,
    talkMs: options.talkMs,
    capacity: {
      calls: options.capacityCalls,
      talkMs: options.capacityTalkMs,
      peakActive: capacity.peakActive,
      rssMiB: capacity.peakRssMiB,
      statementsPerCall: capacity.statementsPerCall,
    },
  };
}

/** Scenario 6: Redis memory per queued call (the ingress' ids-only jobs), measured with no worker running. */
export async function benchRedisFootprint(stack: Stack, tenant: Tenant, count: number): Promise<number> {
  const redis = createRedis({ url: stack.redisUrl, timeoutMs: 10_000, role: "client" });
  const used = async () => Number((await redis.info("memory")).match(/used_memory:(\d+)/)?.[1] ?? 0);
  try {
    const prefix = "{benchmem}";
    const ids = await insertQueuedCalls(stack.db, tenant, count);
    const before = await used();
    await enqueue(stack, prefix, tenant, ids);
    const after = await used();
    return (after - before) / count;
  } finally {
    redis.disconnect();
  }
}
