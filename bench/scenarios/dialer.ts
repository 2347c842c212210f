import { callJobOptions, createQueues, createRedis } from "@inbound/queue";
import type { Stack } from "../lib/stack";
import { DIALER_ENTRY, rssMiB, startService } from "../lib/processes";
import { insertQueuedCalls, type Tenant } from "../lib/provision";
import { spread, type Spread } from "../lib/stats";

async function enqueue(stack: Stack, prefix: string, tenant: Tenant, ids: string[]): Promise<void> {
  const redis = createRedis({ url: stack.redisUrl, timeoutMs: 10_000, role: "client" });
  const queues = createQueues(redis, prefix);
  try {
    for (let i = 0; i < ids.length; i += 1000) {
      await queues.calls.addBulk(
        ids.slice(i, i + 1000).map((callId) => ({
          name: "dial",
          data: { callId, orgId: tenant.orgId },
          opts: { ...callJobOptions(), jobId: callId },
        })),
      );
    }
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

interface DrainRun {
  callsPerSecond: number;
  peakActive: number;
  peakRssMiB: number;
}

/** Queues `count` calls, starts `processes` workers, and times queued → done for all of them. */
async function drain(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: { entry: string; processes: number; count: number; doneStatuses: string[]; timeoutSeconds: number },
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
  const started = Date.now();
  await enqueue(stack, prefix, tenant, ids);
  let peakActive = 0;
  let peakRss = 0;
  try {
    const deadline = started + options.timeoutSeconds * 1000;
    for (;;) {
      const { rows } = await stack.db.pool.query<{ status: string; end_reason: string | null; n: number }>(
        `SELECT status::text, end_reason, count(*)::int AS n FROM calls WHERE id = ANY($1) GROUP BY 1, 2`,
        [ids],
      );
      const count = (statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).reduce((n, r) => n + r.n, 0);
      const done = count(options.doneStatuses);
      peakActive = Math.max(peakActive, count(["dialing", "ringing", "in_progress"]));
      peakRss = Math.max(peakRss, ...workers.map((w) => rssMiB(w.child.pid)));
      if (done >= ids.length) break;
      if (count(["completed", "no_answer", "busy", "failed", "canceled"]) >= ids.length) {
        throw new Error(`drain: calls ended otherwise than ${options.doneStatuses.join("/")}: ${JSON.stringify(rows)}`);
      }
      if (Date.now() > deadline) throw new Error(`drain timed out: ${done}/${ids.length} done: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Measured on the calls' own timestamps (first dial to last end), so process start-up is not counted.
    const { rows } = await stack.db.pool.query<{ seconds: number }>(
      `SELECT extract(epoch FROM max(ended_at) - min(dialing_at))::float AS seconds FROM calls WHERE id = ANY($1)`,
      [ids],
    );
    const seconds = Math.max(rows[0]?.seconds ?? 0, 0.001);
    return { callsPerSecond: ids.length / seconds, peakActive, peakRssMiB: peakRss };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

export interface DialerFigures {
  drainBare: Spread;
  drainDialer: Spread;
  scale1: Spread;
  scale2: Spread;
  maxConcurrency: { concurrency: number; callsPerSecond: number; peakActive: number; rssMiB: number };
}

export async function benchDialer(
  stack: Stack,
  env: Record<string, string>,
  tenant: Tenant,
  options: {
    rounds: number;
    drainCalls: number;
    talkMs: number;
    scaleConcurrency: number;
    scaleCalls: number;
    maxConcurrency: number;
  },
): Promise<DialerFigures> {
  const zero = { ...env, SIM_RING_MS: "0", SIM_TALK_MS: "0", SIM_NO_ANSWER_MS: "0", DIALER_CONCURRENCY: "50" };
  const bare: number[] = [];
  const dialer: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    bare.push(
      (
        await drain(stack, zero, tenant, {
          entry: "bench/baseline-worker.ts",
          processes: 1,
          count: options.drainCalls,
          doneStatuses: ["completed"],
          timeoutSeconds: 120,
        })
      ).callsPerSecond,
    );
    dialer.push(
      (
        await drain(stack, zero, tenant, {
          entry: DIALER_ENTRY,
          processes: 1,
          count: options.drainCalls,
          doneStatuses: ["completed"],
          timeoutSeconds: 120,
        })
      ).callsPerSecond,
    );
  }

  const talking = {
    ...env,
    SIM_RING_MS: "0",
    SIM_TALK_MS: String(options.talkMs),
    SIM_NO_ANSWER_MS: "0",
    DIALER_CONCURRENCY: String(options.scaleConcurrency),
  };
  const one: number[] = [];
  const two: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const run = { entry: DIALER_ENTRY, count: options.scaleCalls, doneStatuses: ["completed"], timeoutSeconds: 180 };
    one.push((await drain(stack, talking, tenant, { ...run, processes: 1 })).callsPerSecond);
    two.push((await drain(stack, talking, tenant, { ...run, processes: 2 })).callsPerSecond);
  }

  const wide = { ...talking, DIALER_CONCURRENCY: String(options.maxConcurrency) };
  const max = await drain(stack, wide, tenant, {
    entry: DIALER_ENTRY,
    processes: 1,
    count: options.maxConcurrency * 3,
    doneStatuses: ["completed"],
    timeoutSeconds: 240,
  });
  return {
    drainBare: spread(bare),
    drainDialer: spread(dialer),
    scale1: spread(one),
    scale2: spread(two),
    maxConcurrency: {
      concurrency: options.maxConcurrency,
      callsPerSecond: max.callsPerSecond,
      peakActive: max.peakActive,
      rssMiB: max.peakRssMiB,
    },
  };
}

/** Scenario 6: Redis memory per queued call (ids-only jobs), measured with no worker running. */
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
