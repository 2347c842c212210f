import { createSuiteEnv, type ServiceProcess, startProcess, type SuiteEnv } from "@inbound/testing";
import { createBody, createTestOrg, startIngress, type TestIngress, type TestOrg } from "../../ingress/src/test-support/harness";
import { enqueueCall, createQueues, type Queues } from "@inbound/queue";
import { eventually } from "@inbound/testing";
import { Client } from "pg";
import { credits, dialsOf, NUMBERS, queueCall, until } from "./test-support/fixtures";

/** Two real dialer processes (`pnpm start:dialer`) sharing one Postgres and one Redis, fed by the real ingress. */
let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;
const dialers: ServiceProcess[] = [];

const INITIAL_CREDITS = 1000;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: INITIAL_CREDITS });
  for (let i = 0; i < 2; i++) dialers.push(startProcess("services/dialer/src/main.ts", { ...suite.env, LOG_LEVEL: "info" }));
  await Promise.all(dialers.map((d) => d.waitFor(/"msg":"dialer ready"/, 60_000)));
}, 90_000);
afterAll(async () => {
  const exits = await Promise.all(dialers.map((d) => d.stop("SIGTERM")));
  expect(exits.map((e) => e.code)).toEqual([0, 0]);
  await ingress?.close();
  await suite?.close();
});

/** Runs fn over items with at most `width` in flight. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

async function create(number: string): Promise<string> {
  const res = await ingress.hook(org.token, createBody(org.agentId, { contact_number: number, contact_name: "Fleet Test" }));
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
  return res.body.call_id;
}

interface CallSummary {
  id: string;
  status: string;
  dials: number;
  terminal_events: number;
  events: number;
  engaged: boolean;
}

async function summarize(ids: string[]): Promise<CallSummary[]> {
  return suite.db.prisma.$queryRaw<CallSummary[]>`
    SELECT c.id, c.status::text AS status,
      (SELECT count(*)::int FROM simulated_provider_calls s WHERE s.call_id = c.id) AS dials,
      (SELECT count(*)::int FROM call_events e WHERE e.call_id = c.id
        AND e.to_status IN ('completed', 'no_answer', 'busy', 'failed', 'canceled')) AS terminal_events,
      (SELECT count(*)::int FROM call_events e WHERE e.call_id = c.id) AS events,
      EXISTS (SELECT 1 FROM engagements g WHERE g.call_id = c.id) AS engaged
    FROM calls c WHERE c.id = ANY(${ids})`;
}

const TERMINAL = new Set(["completed", "no_answer", "busy", "failed", "canceled"]);
const EXPECTED_EVENTS: Record<string, number> = { completed: 5, no_answer: 4, busy: 4, failed: 3, canceled: 2 };

/** The call ids each dialer process claimed (queued → dialing), from its logs. */
function claimsOf(dialer: ServiceProcess): string[] {
  return dialer
    .output()
    .split("\n")
    .filter((line) => line.includes('"msg":"call transition"') && line.includes('"from":"queued"'))
    .map((line) => JSON.parse(line).callId as string);
}

test("two dialer processes drain 200 calls: each call handled once, none stuck, credits exact", async () => {
  const before = await credits(suite.db.prisma, org.orgId);
  const numbers = Array.from(
    { length: 200 },
    (_, i) => [NUMBERS.connects, NUMBERS.noAnswer, NUMBERS.busy, NUMBERS.fails][i % 4]!,
  );
  const ids = await pool(numbers, 16, create);
  const calls = await until(
    async () => {
      const rows = await summarize(ids);
      return rows.length === 200 && rows.every((r) => TERMINAL.has(r.status)) && rows;
    },
    60_000,
    250,
  );
  for (const call of calls) {
    expect({ id: call.id, dials: call.dials, terminal_events: call.terminal_events, events: call.events }).toEqual({
      id: call.id,
      dials: 1,
      terminal_events: 1,
      events: EXPECTED_EVENTS[call.status],
    });
    expect(call.engaged).toBe(call.status === "completed");
  }
  const byStatus = Object.fromEntries(
    ["completed", "no_answer", "busy", "failed"].map((s) => [s, calls.filter((c) => c.status === s).length]),
  );
  expect(byStatus).toEqual({ completed: 50, no_answer: 50, busy: 50, failed: 50 });
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 50);

  const [a, b] = dialers.map(claimsOf) as [string[], string[]];
  expect(new Set([...a, ...b]).size).toBe(200);
  expect(a.length + b.length).toBe(200); // no call claimed twice
  expect(a.length).toBeGreaterThan(0);
  expect(b.length).toBeGreaterThan(0);
}, 90_000);

test("100 cancels racing 2 dialers: exactly one terminal state each, at most one dial, credit balance exact", async () => {
  const before = await credits(suite.db.prisma, org.orgId);
  const numbers = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? NUMBERS.connects : NUMBERS.noAnswer));
  const results = await pool(numbers, 20, async (number) => {
    const id = await create(number);
    const res = await ingress.hook(org.token, { action: "call.cancel", data: { call_id: id } });
    return { id, status: res.status, body: res.body };
  });
  const ids = results.map((r) => r.id);
  const calls = await until(
    async () => {
      const rows = await summarize(ids);
      return rows.length === 100 && rows.every((r) => TERMINAL.has(r.status)) && rows;
    },
    60_000,
    250,
  );
  const byId = new Map(calls.map((c) => [c.id, c]));
  for (const result of results) {
    const call = byId.get(result.id)!;
    expect(call.terminal_events).toBe(1);
    expect(call.dials).toBeLessThanOrEqual(1);
    if (result.status === 200) {
      expect(call).toMatchObject({ status: "canceled", dials: 0, engaged: false });
    } else {
      expect(result.status).toBe(409);
      expect(result.body.error.code).toBe("call_not_cancelable");
      expect(call.status).not.toBe("canceled");
      expect(call.dials).toBe(1);
    }
  }
  const completed = calls.filter((c) => c.status === "completed").length;
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - completed);
}, 90_000);

/**
 * The same race forced both ways across the two dialer processes, so that this test fails if either
 * outcome is handled wrongly (a random race may always fall the same way): the test holds the call's row
 * lock while a dialer's claim and the ingress' cancel both arrive and block on it in a chosen order (seen
 * in pg_stat_activity), then lets go; Postgres serves them in that order.
 */
test.each(["the claim", "the cancel"] as const)(
  "a cancel racing a dialer's claim, forced (%s first), 5 times: the first one wins every time",
  async (first) => {
    const queues: Queues = createQueues(suite.redis, suite.prefix);
    const lock = new Client({ connectionString: suite.databaseUrl, application_name: "race-lock" });
    await lock.connect();
    const blocked = async (app: string) =>
      (
        await suite.db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = $1`,
          [app],
        )
      ).rows[0]!.n === 1;
    try {
      for (let i = 0; i < 5; i++) {
        const before = await credits(suite.db.prisma, org.orgId);
        const { callId } = await queueCall(
          suite.db.prisma,
          null,
          { orgId: org.orgId, agentId: org.agentId },
          {
            number: NUMBERS.noAnswer,
            enqueue: false,
          },
        );
        await lock.query("BEGIN");
        await lock.query("SELECT 1 FROM calls WHERE id = $1 FOR UPDATE", [callId]);
        const cancel = () => ingress.hook(org.token, { action: "call.cancel", data: { call_id: callId } });
        const claim = () => enqueueCall(queues, { callId, orgId: org.orgId });
        let answer: ReturnType<typeof cancel>;
        if (first === "the claim") {
          await claim();
          await eventually(() => blocked("dialer"));
          answer = cancel();
          await eventually(() => blocked("inbound-calls"));
        } else {
          answer = cancel();
          await eventually(() => blocked("inbound-calls"));
          await claim();
          await eventually(() => blocked("dialer"));
        }
        await lock.query("COMMIT");
        const res = await answer;
        const [call] = await until(
          async () => {
            const rows = await summarize([callId]);
            return rows.length === 1 && TERMINAL.has(rows[0]!.status) && rows;
          },
          30_000,
          50,
        );
        if (first === "the cancel") {
          expect({ http: res.status, status: call!.status, dials: await dialsOf(suite.db.prisma, callId) }).toEqual({
            http: 200,
            status: "canceled",
            dials: 0,
          });
        } else {
          expect({ http: res.status, status: call!.status, dials: await dialsOf(suite.db.prisma, callId) }).toEqual({
            http: 409,
            status: "no_answer",
            dials: 1,
          });
        }
        expect(call!.terminal_events).toBe(1);
        expect(await credits(suite.db.prisma, org.orgId)).toBe(before);
      }
    } finally {
      await lock.end();
      await queues.close();
    }
  },
  90_000,
);
