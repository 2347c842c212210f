import { slotsHeld } from "@inbound/db";
import { createQueues, type Queues } from "@inbound/queue";
import { createSuiteEnv, eventually, type ServiceProcess, startProcess, type SuiteEnv } from "@inbound/testing";
import { callStatus, createTestOrg, dialsOf, NUMBERS, queueCall, type TestOrg } from "./test-support/fixtures";

/**
 * SPEC §9's concurrency slots are live calls counted in Postgres: a dialer SIGKILLed while its calls hold
 * the organisation's slots loses none of them. Its calls live on at the provider and end normally (their events
 * applied by another dialer), their slots return as they end, and the calls that waited for a slot are dialled.
 */
let suite: SuiteEnv;
let queues: Queues;
let org: TestOrg;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  suite = await createSuiteEnv();
  queues = createQueues(suite.redis, suite.prefix);
  org = await createTestOrg(suite.db.prisma);
  await suite.db.pool.query("UPDATE organizations SET max_concurrent_calls = 2 WHERE id = $1", [org.orgId]);
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop("SIGKILL")));
  await queues?.close();
  await suite?.close();
});

async function dialer(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const proc = startProcess("services/dialer/src/main.ts", {
    ...suite.env,
    LOG_LEVEL: "info",
    DIALER_HEARTBEAT_MS: "250",
    DIALER_DEAD_AFTER_MS: "3000",
    ORDERS_TICK_MS: "50",
    ...env,
  });
  started.push(proc);
  await proc.waitFor(/"msg":"dialer ready"/, 60_000);
  return proc;
}

const liveCalls = () => slotsHeld(suite.db.pool, org.orgId);

test("kill -9 a dialer holding both slots of a cap of 2: the slots return as its calls end, the waiting calls are dialled, never more than 2 live", async () => {
  const victim = await dialer({ SIM_TALK_MS: "3000" });
  const calls: string[] = [];
  for (let i = 0; i < 4; i++) calls.push((await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects })).callId);
  await eventually(async () => (await liveCalls()) === 2, 20_000);
  // The other two wait for a slot (parked: queued, no job).
  await eventually(async () => {
    const parked = await suite.db.pool.query("SELECT id FROM calls WHERE org_id = $1 AND parked_at IS NOT NULL", [org.orgId]);
    return parked.rowCount === 2;
  }, 20_000);
  victim.child.kill("SIGKILL");
  expect((await victim.exited).signal).toBe("SIGKILL");

  const survivor = await dialer({ SIM_TALK_MS: "200" });
  let peak = 0;
  await eventually(
    async () => {
      peak = Math.max(peak, (await liveCalls()) ?? 0);
      const statuses = await Promise.all(calls.map((id) => callStatus(suite.db.prisma, id)));
      return statuses.every((s) => s === "completed");
    },
    45_000,
    20,
  );
  expect(peak).toBeLessThanOrEqual(2);
  expect(await liveCalls()).toBe(0);
  for (const id of calls) expect(await dialsOf(suite.db.prisma, id)).toBe(1);
  expect((await survivor.stop("SIGTERM")).code).toBe(0);
}, 120_000);
