import { newId } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createAgent, createOrganization } from "../admin/organizations";
import { transitionCall } from "../calls/transition-call";
import { promoteDueCalls } from "./due-calls";

let suite: SuiteEnv;
let orgId: string;
let agentId: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 10, dailyQuota: 100 })).org_id;
  agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
});
afterAll(() => suite.close());

async function scheduledCall(dueAt: string): Promise<string> {
  const id = newId("call");
  await suite.db.prisma.call.create({
    data: { id, orgId, agentId, contactNumber: "+14155552671", creditsReserved: 1, status: "scheduled", dueAt: new Date(dueAt) },
  });
  return id;
}

test("promotes exactly the scheduled calls due by the given time, oldest first, once; clears due_at and logs `due`", async () => {
  const early = await scheduledCall("2026-12-01T08:00:00Z");
  const later = await scheduledCall("2026-12-01T09:00:00Z");
  const notYet = await scheduledCall("2026-12-01T10:00:00Z");
  const promoted = await promoteDueCalls(suite.db.pool, { now: new Date("2026-12-01T09:00:00Z"), limit: 10 });
  expect(promoted.map((p) => p.id)).toEqual([early, later]);
  expect(await promoteDueCalls(suite.db.pool, { now: new Date("2026-12-01T09:00:00Z"), limit: 10 })).toEqual([]);
  const rows = await suite.db.prisma.call.findMany({ where: { id: { in: [early, later, notYet] } }, include: { events: true } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  expect(byId.get(early)).toMatchObject({ status: "queued", dueAt: null });
  expect(byId.get(early)?.events.map((e) => [e.fromStatus, e.toStatus, e.detail])).toEqual([["scheduled", "queued", "due"]]);
  expect(byId.get(notYet)).toMatchObject({ status: "scheduled", dueAt: new Date("2026-12-01T10:00:00Z") });
  // A canceled scheduled call is no longer due.
  await transitionCall(suite.db.pool, { callId: notYet, from: "scheduled", to: "canceled" });
  expect(await promoteDueCalls(suite.db.pool, { now: new Date("2026-12-02T00:00:00Z"), limit: 10 })).toEqual([]);
  expect((await suite.db.prisma.call.findUniqueOrThrow({ where: { id: notYet } })).dueAt).toBeNull();
});

test("attempts are rows: opened by the claim, closed with their outcome; a redial goes back to scheduled, due", async () => {
  const id = await scheduledCall("2026-12-01T08:00:00Z");
  await promoteDueCalls(suite.db.pool, { now: new Date("2026-12-01T08:00:00Z"), limit: 10 });
  await transitionCall(suite.db.pool, { callId: id, from: "queued", to: "dialing", incrementAttempts: true });
  await transitionCall(suite.db.pool, { callId: id, from: "dialing", to: "ringing" });
  const redial = await transitionCall(suite.db.pool, {
    callId: id,
    from: "ringing",
    to: "scheduled",
    attemptOutcome: "no_answer",
    dueAt: new Date("2026-12-01T08:30:00Z"),
    decision: { decision: "defer", reason: "redial" },
  });
  expect(redial).toMatchObject({ moved: true, call: { refunded: false } });
  await promoteDueCalls(suite.db.pool, { now: new Date("2026-12-01T08:30:00Z"), limit: 10 });
  await transitionCall(suite.db.pool, { callId: id, from: "queued", to: "dialing", incrementAttempts: true });
  await transitionCall(suite.db.pool, { callId: id, from: "dialing", to: "ringing" });
  await transitionCall(suite.db.pool, { callId: id, from: "ringing", to: "in_progress" });
  await transitionCall(suite.db.pool, { callId: id, from: "in_progress", to: "completed" });
  const call = await suite.db.prisma.call.findUniqueOrThrow({
    where: { id },
    include: { dialAttempts: { orderBy: { attempt: "asc" } } },
  });
  expect(call).toMatchObject({ status: "completed", attempts: 2, dueAt: null });
  expect(call.windowDecisions).toEqual([{ decision: "defer", reason: "redial" }]);
  expect(call.dialAttempts.map((a) => [a.attempt, a.outcome, a.endedAt instanceof Date])).toEqual([
    [1, "no_answer", true],
    [2, "completed", true],
  ]);
});
