import { loadConfig } from "@inbound/config";
import { newId } from "@inbound/contracts";
import { createQueuedCall, slotsHeld } from "@inbound/db";
import { enqueueCall } from "@inbound/queue";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import { createTestOrg, startIngress, type TestIngress, type TestOrg } from "../../ingress/src/test-support/harness";
import { createDialer, type Dialer } from "./create-dialer";
import { captureLogger, credits } from "./test-support/fixtures";

/**
 * Call orders (SPEC §9) end to end: the real ingress and an in-process dialer (BullMQ workers, the due-calls
 * loop, the simulated provider) against real Postgres and Redis, both on ONE fake clock that only moves when
 * a test moves it: deferral and the dial at the opening, the re-check right before the dial, not_after
 * expiry, redial then connect, voicemail, the concurrency cap, fairness between organisations.
 */
let suite: SuiteEnv;
let ingress: TestIngress;
let dialer: Dialer;
let now = Date.parse("2026-11-30T16:00:00Z"); // 21:30 in India (closed), 08:00 in San Francisco (open)
const clock = () => now;
const log = captureLogger();

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite, { clock });
  dialer = createDialer({
    config: loadConfig({ ...suite.env, ORDERS_TICK_MS: "20", SIM_RING_MS: "20", SIM_NO_ANSWER_MS: "20", SIM_TALK_MS: "150" }),
    logger: log.logger,
    clock: { now: () => new Date(now) },
  });
  await dialer.start();
});
afterAll(async () => {
  await dialer?.stop();
  await ingress?.close();
  await suite?.close();
});

async function create(org: TestOrg, data: Record<string, unknown>) {
  const res = await ingress.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, ...data } });
  expect(res.status).toBe(201);
  return res.body as { call_id: string; status: string; scheduled_for?: string };
}

async function call(callId: string) {
  return suite.db.prisma.call.findUniqueOrThrow({
    where: { id: callId },
    include: { dialAttempts: { orderBy: { attempt: "asc" } }, events: { orderBy: [{ at: "asc" }, { id: "asc" }] } },
  });
}

const statusOf = async (callId: string) => (await call(callId)).status as string;
const until = (callId: string, status: string, ms = 15_000) => eventually(async () => (await statusOf(callId)) === status, ms);

/** Ticks of the due-calls loop pass (it runs every 20 ms): nothing happened meanwhile that should not have. */
const someTicks = () => new Promise((resolve) => setTimeout(resolve, 200));

test("deferred outside the recipient's hours, not dialled before the opening, dialled at it", async () => {
  const org = await createTestOrg(suite.db, { callingHoursGuard: true });
  now = Date.parse("2026-11-30T16:00:00Z");
  const created = await create(org, { contact_number: "+919876543210" });
  expect(created).toMatchObject({ status: "scheduled", scheduled_for: "2026-12-01T02:30:00.000Z" });
  now = Date.parse("2026-12-01T02:29:59Z"); // one second before 08:00 IST
  await someTicks();
  expect(await statusOf(created.call_id)).toBe("scheduled");
  now = Date.parse("2026-12-01T02:30:00Z");
  await until(created.call_id, "completed");
  const done = await call(created.call_id);
  expect(done.events.map((e) => [e.fromStatus, e.toStatus, e.detail?.split(" ")[0]])).toEqual([
    [null, "scheduled", "created"],
    ["scheduled", "queued", "due"],
    ["queued", "dialing", "attempt"],
    ["dialing", "ringing", "simulated"],
    ["ringing", "in_progress", "simulated"],
    ["in_progress", "completed", "simulated"],
  ]);
  expect(done.dialAttempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, "completed"]]);
});

test("re-checked right before the dial: due at 20:59 IST, dialled at 21:01 → deferred again to 08:00", async () => {
  const org = await createTestOrg(suite.db, { callingHoursGuard: true });
  // Queued at 20:59 IST (inside the hours), as the ingress or the due-calls loop leaves it...
  const callId = newId("call");
  const created = await createQueuedCall(suite.db.pool, {
    callId,
    orgId: org.orgId,
    agentId: org.agentId,
    contactNumber: "+919876540100",
    cost: 1,
    order: {
      status: "queued",
      dueAt: null,
      notBefore: null,
      notAfter: null,
      windowStart: 480,
      windowEnd: 1260,
      timeZones: ["Asia/Calcutta"],
      retryPolicy: null,
      decision: { at: "2026-11-30T15:29:00.000Z", attempt: 1, decision: "dial_now", reason: null, until: null },
      policyVersion: 0,
      dedupeWindowMinutes: null,
    },
  });
  expect(created.outcome).toBe("created");
  // ...and its dialer takes it two minutes later.
  now = Date.parse("2026-11-30T15:31:00Z");
  await enqueueCall(ingress.queues, { callId, orgId: org.orgId });
  await until(callId, "scheduled");
  const deferred = await call(callId);
  expect(deferred).toMatchObject({ attempts: 0, dueAt: new Date("2026-12-01T02:30:00Z") });
  expect(deferred.dialAttempts).toEqual([]);
  expect(deferred.windowDecisions).toEqual([
    { at: "2026-11-30T15:29:00.000Z", attempt: 1, decision: "dial_now", reason: null, until: null },
    { at: "2026-11-30T15:31:00.000Z", attempt: 1, decision: "defer", reason: "calling_hours", until: "2026-12-01T02:30:00.000Z" },
  ]);
});

test("not_after passes while it waits: expired at dial time, credit refunded", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  now = Date.parse("2026-11-30T16:00:00Z");
  const created = await create(org, {
    contact_number: "+14155550101",
    not_before: "2026-11-30T16:01:00Z",
    not_after: "2026-11-30T16:02:00Z",
  });
  expect(created.status).toBe("scheduled");
  expect(await credits(suite.db.prisma, org.orgId)).toBe(4);
  now = Date.parse("2026-11-30T16:03:00Z"); // due (promoted) and past not_after (expired before any dial)
  await until(created.call_id, "expired");
  const expired = await call(created.call_id);
  expect(expired).toMatchObject({ attempts: 0, endReason: "not_after" });
  expect(expired.events.map((e) => e.toStatus)).toEqual(["scheduled", "queued", "expired"]);
  expect(await credits(suite.db.prisma, org.orgId)).toBe(5);
});

test("redial on no_answer per the retry policy, then connect: two attempts recorded, one credit", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  now = Date.parse("2026-11-30T16:00:00Z");
  const created = await create(org, {
    contact_number: "+14155550005", // no answer on the first attempt, answered on the next
    retry: { on: ["no_answer"], max_attempts: 3, backoff_minutes: [10] },
  });
  expect(created.status).toBe("queued");
  await until(created.call_id, "scheduled");
  const waiting = await call(created.call_id);
  expect(waiting.dueAt).toEqual(new Date("2026-11-30T16:10:00Z"));
  expect(waiting.dialAttempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, "no_answer"]]);
  await someTicks();
  expect(await statusOf(created.call_id)).toBe("scheduled");
  now = Date.parse("2026-11-30T16:10:00Z");
  await until(created.call_id, "completed");
  const done = await call(created.call_id);
  expect(done.dialAttempts.map((a) => [a.attempt, a.outcome])).toEqual([
    [1, "no_answer"],
    [2, "completed"],
  ]);
  expect(done.attempts).toBe(2);
  expect(await credits(suite.db.prisma, org.orgId)).toBe(4);
});

test("no redial left: the final status is the last attempt's outcome, and the credit comes back", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  const created = await create(org, {
    contact_number: "+14155550000",
    retry: { on: ["no_answer"], max_attempts: 2, backoff_minutes: [1] },
  });
  await until(created.call_id, "scheduled");
  now += 60_000;
  await until(created.call_id, "no_answer");
  expect((await call(created.call_id)).dialAttempts.map((a) => a.outcome)).toEqual(["no_answer", "no_answer"]);
  expect(await credits(suite.db.prisma, org.orgId)).toBe(5);
});

test("a number answered by a machine (0004) ends voicemail, not charged", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  const created = await create(org, { contact_number: "+14155550004" });
  await until(created.call_id, "voicemail");
  expect(await call(created.call_id)).toMatchObject({ endReason: "voicemail" });
  expect((await call(created.call_id)).dialAttempts.map((a) => a.outcome)).toEqual(["voicemail"]);
  expect(await credits(suite.db.prisma, org.orgId)).toBe(5);
});

test("a cap of 2 with 10 calls: never more than 2 live, all complete; another organisation is not held up", async () => {
  const org = await createTestOrg(suite.db, { credits: 20, maxConcurrentCalls: 2 });
  const other = await createTestOrg(suite.db, { credits: 5 });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push((await create(org, { contact_number: `+1415555${String(3000 + i)}` })).call_id);
  const otherId = (await create(other, { contact_number: "+14155554000" })).call_id;
  let peak = 0;
  let otherDoneWhileWaiting = false;
  await eventually(
    async () => {
      const { rows } = await suite.db.pool.query<{ live: number; done: number; other: string }>(
        `SELECT count(*) FILTER (WHERE status IN ('dialing', 'ringing', 'in_progress'))::int AS live,
          count(*) FILTER (WHERE status = 'completed')::int AS done,
          (SELECT status::text FROM calls WHERE id = $2) AS other
        FROM calls WHERE id = ANY($1::text[])`,
        [ids, otherId],
      );
      const row = rows[0] as { live: number; done: number; other: string };
      peak = Math.max(peak, row.live);
      if (row.other === "completed" && row.done < 10) otherDoneWhileWaiting = true;
      return row.done === 10;
    },
    30_000,
    10,
  );
  expect(peak).toBeLessThanOrEqual(2);
  expect(peak).toBeGreaterThan(0);
  expect(otherDoneWhileWaiting).toBe(true);
  expect(await slotsHeld(suite.db.pool, org.orgId)).toBe(0);
});
