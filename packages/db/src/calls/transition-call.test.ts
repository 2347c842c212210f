import { newId } from "@inbound/contracts";
import { Pool } from "pg";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createAgent, createOrganization } from "../admin/organizations";
import { transitionCall, transitionCalls } from "./transition-call";

let suite: SuiteEnv;
let orgId: string;
let agentId: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 10, dailyQuota: 100, maxConcurrentCalls: 100_000 })).org_id;
  agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
});
afterAll(() => suite.close());

/** A queued call whose credit was debited, as call.create leaves it. */
async function queuedCall(): Promise<string> {
  const id = newId("call");
  await suite.db.prisma.$transaction([
    suite.db.prisma.organization.update({ where: { id: orgId }, data: { credits: { decrement: 1 } } }),
    suite.db.prisma.call.create({
      data: { id, orgId, agentId, contactNumber: "+14155552671", creditsReserved: 1, requestId: "req-1" },
    }),
  ]);
  return id;
}

const credits = async () => (await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).credits;
const row = (id: string) => suite.db.prisma.call.findUniqueOrThrow({ where: { id } });

// The same statements run on the pg pool (named prepared statements: the services) and through Prisma
// (admin tools, tests): both must behave alike.
const CLIENTS = [
  ["the pg pool", () => suite.db.pool],
  ["Prisma", () => suite.db.prisma],
] as const;

describe.each(CLIENTS)("on %s", (_name, client) => {
  test("moves only from the expected state, stamps the stage, logs an event and counts attempts", async () => {
    const id = await queuedCall();
    const moved = await transitionCall(client(), { callId: id, from: "queued", to: "dialing", incrementAttempts: true });
    expect(moved).toMatchObject({
      moved: true,
      call: { id, orgId, status: "dialing", attempts: 1, requestId: "req-1", refunded: false },
    });
    expect(await transitionCall(client(), { callId: id, from: "queued", to: "dialing" })).toEqual({
      moved: false,
      current: "dialing",
    });
    const call = await row(id);
    expect(call.dialingAt).toBeInstanceOf(Date);
    expect(call.attempts).toBe(1);
    const events = await suite.db.prisma.callEvent.findMany({ where: { callId: id } });
    expect(events.map((e) => [e.fromStatus, e.toStatus])).toEqual([["queued", "dialing"]]);
  });

  test("a call that ends without being answered refunds its credit exactly once; an answered one keeps it", async () => {
    const before = await credits();
    const unanswered = await queuedCall();
    await transitionCall(client(), { callId: unanswered, from: "queued", to: "dialing" });
    await transitionCall(client(), { callId: unanswered, from: "dialing", to: "ringing", providerCallId: "p-1" });
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        transitionCall(client(), { callId: unanswered, from: "ringing", to: "no_answer", endReason: "no_answer" }),
      ),
    );
    expect(results.filter((r) => r.moved)).toHaveLength(1);
    expect(results.filter((r) => !r.moved)).toEqual([
      { moved: false, current: "no_answer" },
      { moved: false, current: "no_answer" },
    ]);
    expect(await credits()).toBe(before); // debited 1, refunded 1
    expect(await row(unanswered)).toMatchObject({ endReason: "no_answer", providerCallId: "p-1" });

    const answered = await queuedCall();
    for (const [from, to] of [
      ["queued", "dialing"],
      ["dialing", "ringing"],
      ["ringing", "in_progress"],
      ["in_progress", "failed"],
    ] as const) {
      expect((await transitionCall(client(), { callId: answered, from, to })).moved).toBe(true);
    }
    expect(await credits()).toBe(before - 1);
  });

  test("an engagement is inserted in the same statement as the move, and only when the move happens", async () => {
    const id = await queuedCall();
    for (const [from, to] of [
      ["queued", "dialing"],
      ["dialing", "ringing"],
      ["ringing", "in_progress"],
    ] as const) {
      await transitionCall(client(), { callId: id, from, to });
    }
    const engagement = {
      transcript: "Agent: hi",
      recording: { url: "https://r.invalid/1.wav", format: "audio/wav" },
      durationSeconds: 12.4,
    };
    const done = await transitionCall(client(), { callId: id, from: "in_progress", to: "completed", engagement });
    expect(done.moved).toBe(true);
    const again = await transitionCall(client(), {
      callId: id,
      from: "in_progress",
      to: "failed",
      engagement: { transcript: "other", recording: null, durationSeconds: 1 },
    });
    expect(again).toEqual({ moved: false, current: "completed" });
    const stored = await suite.db.prisma.engagement.findUniqueOrThrow({ where: { callId: id } });
    expect(stored).toMatchObject({ transcript: "Agent: hi", recording: engagement.recording, durationSeconds: 12 });
  });

  test("another organisation's call, a deleted call and a missing call do not move and report null", async () => {
    const id = await queuedCall();
    expect(await transitionCall(client(), { callId: id, orgId: "org_other", from: "queued", to: "canceled" })).toEqual({
      moved: false,
      current: null,
    });
    expect(await transitionCall(client(), { callId: "call_missing", from: "queued", to: "canceled" })).toEqual({
      moved: false,
      current: null,
    });
    await suite.db.prisma.call.update({ where: { id }, data: { deletedAt: new Date() } });
    expect(await transitionCall(client(), { callId: id, from: "queued", to: "canceled" })).toEqual({
      moved: false,
      current: null,
    });
  });

  test("racing moves out of queued: exactly one wins, and the losers are told the state that won", async () => {
    for (let round = 0; round < 30; round++) {
      const id = await queuedCall();
      const [cancel, claim] = await Promise.all([
        transitionCall(client(), { callId: id, orgId, from: "queued", to: "canceled" }),
        transitionCall(client(), { callId: id, from: "queued", to: "dialing", incrementAttempts: true }),
      ]);
      expect([cancel.moved, claim.moved].filter(Boolean)).toHaveLength(1);
      const loser = cancel.moved ? claim : cancel;
      const winner = cancel.moved ? "canceled" : "dialing";
      expect(loser).toEqual({ moved: false, current: winner });
      expect(await suite.db.prisma.callEvent.count({ where: { callId: id } })).toBe(1);
    }
  });
});

test("every transition runs as the same named prepared statement (parsed and planned once per connection)", async () => {
  const pool = new Pool({ connectionString: suite.databaseUrl, max: 1 });
  try {
    for (let i = 0; i < 3; i++) {
      const id = await queuedCall();
      for (const [from, to] of [
        ["queued", "dialing"],
        ["dialing", "ringing"],
        ["ringing", "in_progress"],
        ["in_progress", "completed"],
      ] as const) {
        expect((await transitionCall(pool, { callId: id, from, to, incrementAttempts: to === "dialing" })).moved).toBe(true);
      }
      expect(await transitionCall(pool, { callId: id, from: "in_progress", to: "failed" })).toEqual({
        moved: false,
        current: "completed",
      });
    }
    const { rows } = await pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements ORDER BY name");
    expect(rows.map((r) => r.name)).toEqual(["transition_calls"]);
  } finally {
    await pool.end();
  }
});

test("several moves in one statement: each behaves as alone; one call twice moves once, the other sees the winner", async () => {
  const before = await credits();
  const [a, b, c] = [await queuedCall(), await queuedCall(), await queuedCall()];
  await transitionCalls(suite.db.pool, [
    { callId: b, from: "queued", to: "dialing", incrementAttempts: true },
    { callId: c, from: "queued", to: "dialing", incrementAttempts: true },
  ]);
  await transitionCall(suite.db.pool, { callId: c, from: "dialing", to: "ringing" });
  await transitionCall(suite.db.pool, { callId: c, from: "ringing", to: "in_progress" });
  const engagement = { transcript: "Agent: hi", recording: null, durationSeconds: 3 };
  const results = await transitionCalls(suite.db.pool, [
    { callId: a, from: "queued", to: "canceled", endReason: "canceled" },
    { callId: b, from: "dialing", to: "failed", endReason: "destination_unreachable" },
    { callId: c, from: "in_progress", to: "completed", engagement },
    { callId: a, from: "queued", to: "dialing", incrementAttempts: true },
    { callId: "call_missing", from: "queued", to: "canceled" },
  ]);
  expect(results.map((r) => (r.moved ? r.call.status : r))).toEqual([
    "canceled",
    "failed",
    "completed",
    { moved: false, current: "canceled" },
    { moved: false, current: null },
  ]);
  expect(results.map((r) => r.moved && r.call.refunded)).toEqual([true, true, false, false, false]);
  expect(await credits()).toBe(before - 1); // three debited, two refunded, in one statement
  expect(await row(b)).toMatchObject({ status: "failed", endReason: "destination_unreachable", attempts: 1 });
  expect((await row(b)).endedAt).toBeInstanceOf(Date);
  expect(await suite.db.prisma.engagement.findUniqueOrThrow({ where: { callId: c } })).toMatchObject({ transcript: "Agent: hi" });
  for (const [id, events] of [
    [a, 1],
    [b, 2],
    [c, 4],
  ] as const)
    expect(await suite.db.prisma.callEvent.count({ where: { callId: id } })).toBe(events);
});

test("an illegal transition is a programming error", async () => {
  await expect(transitionCall(suite.db.prisma, { callId: "x", from: "queued", to: "completed" })).rejects.toThrow(/illegal/);
  await expect(transitionCall(suite.db.prisma, { callId: "x", from: "completed", to: "failed" })).rejects.toThrow(/illegal/);
});
