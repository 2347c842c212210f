import { newId } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createAgent, createOrganization } from "../admin/organizations";
import { createQueuedCall } from "../calls/create-call";
import { transitionCall } from "../calls/transition-call";
import { claimQueuedCalls } from "../dialer/dial-queries";
import { slotsHeld, unparkCalls } from "./capacity";

let suite: SuiteEnv;

beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

async function org(maxConcurrentCalls: number) {
  const orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 100, dailyQuota: 100, maxConcurrentCalls }))
    .org_id;
  const agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
  const calls: string[] = [];
  const create = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const callId = newId("call");
      await createQueuedCall(suite.db.pool, { callId, orgId, agentId, contactNumber: "+14155552671", cost: 1 });
      calls.push(callId);
    }
    return calls;
  };
  return { orgId, create };
}

const live = (orgId: string) => slotsHeld(suite.db.pool, orgId);

test("a cap of 2: of 5 claims in one statement the 2 oldest go ahead, 3 park; a slot freed unparks the oldest parked", async () => {
  const { orgId, create } = await org(2);
  const calls = await create(5);
  const claims = await claimQueuedCalls(
    suite.db.pool,
    calls.map((callId) => ({ callId, orgId })),
  );
  expect(claims.map((c) => (c.claimed ? "claimed" : c.waitingForSlot ? "waiting" : "other"))).toEqual([
    "claimed",
    "claimed",
    "waiting",
    "waiting",
    "waiting",
  ]);
  expect(await live(orgId)).toBe(2);
  // No room: nothing to unpark; a claim of a parked call parks it again.
  expect(await unparkCalls(suite.db.pool, { limit: 100 })).toEqual([]);
  expect((await claimQueuedCalls(suite.db.pool, [{ callId: calls[2] as string, orgId }]))[0]).toMatchObject({
    claimed: false,
    waitingForSlot: true,
  });
  // One call ends: its slot comes back, and the oldest parked call (not a newer one) is handed out.
  await transitionCall(suite.db.pool, { callId: calls[0] as string, from: "dialing", to: "failed" });
  expect(await live(orgId)).toBe(1);
  expect(await unparkCalls(suite.db.pool, { limit: 100 })).toEqual([{ id: calls[2], orgId }]);
  // The unparked call waits for its dialer: no second slot is handed out meanwhile.
  expect(await unparkCalls(suite.db.pool, { limit: 100 })).toEqual([]);
  expect((await claimQueuedCalls(suite.db.pool, [{ callId: calls[2] as string, orgId }]))[0]).toMatchObject({ claimed: true });
  expect(await live(orgId)).toBe(2);
  // The live count follows every move in and out of the live statuses.
  await transitionCall(suite.db.pool, { callId: calls[1] as string, from: "dialing", to: "ringing" });
  expect(await live(orgId)).toBe(2);
  await transitionCall(suite.db.pool, { callId: calls[1] as string, from: "ringing", to: "no_answer" });
  await transitionCall(suite.db.pool, { callId: calls[2] as string, from: "dialing", to: "failed" });
  expect(await live(orgId)).toBe(0);
  expect((await unparkCalls(suite.db.pool, { limit: 100 })).map((c) => c.id)).toEqual([calls[3], calls[4]]);
});

test("concurrent claims of one organisation from many statements never exceed its cap", async () => {
  const { orgId, create } = await org(3);
  const calls = await create(20);
  const results = await Promise.all(calls.map((callId) => claimQueuedCalls(suite.db.pool, [{ callId, orgId }])));
  expect(results.filter(([r]) => r?.claimed).length).toBe(3);
  expect(await live(orgId)).toBe(3);
});

test("ends racing claims: every slot given back is taken up once, never more than the cap live, the count exact", async () => {
  const cap = 4;
  const { orgId, create } = await org(cap);
  const liveInDb = async () =>
    (
      await suite.db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM calls WHERE org_id = $1 AND status IN ('dialing', 'ringing', 'in_progress')",
        [orgId],
      )
    ).rows[0]?.n;
  const first = await create(cap);
  expect((await claimQueuedCalls(suite.db.pool, first.map((callId) => ({ callId, orgId })))).every((c) => c.claimed)).toBe(true);
  let running = [...first];
  for (let round = 0; round < 5; round++) {
    const waiting = (await create(cap)).slice(-cap);
    // Each live call ends in a statement of its own, while each waiting call is claimed in a statement of its own.
    const [, claims] = await Promise.all([
      Promise.all(running.map((callId) => transitionCall(suite.db.pool, { callId, from: "dialing", via: [{ status: "ringing" }, { status: "in_progress" }], to: "completed" }))),
      Promise.all(waiting.map((callId) => claimQueuedCalls(suite.db.pool, [{ callId, orgId }]))),
    ]);
    const claimed = waiting.filter((_, i) => claims[i]?.[0]?.claimed);
    // A claim that found no room yet (the ends not committed, or their releases not seen) is parked: retried here.
    for (const [i, callId] of waiting.entries()) {
      if (claims[i]?.[0]?.claimed) continue;
      await suite.db.pool.query("UPDATE calls SET parked_at = NULL WHERE id = $1", [callId]);
      const [again] = await claimQueuedCalls(suite.db.pool, [{ callId, orgId }]);
      expect(again?.claimed).toBe(true);
      claimed.push(callId);
    }
    expect(claimed.length).toBe(cap);
    expect(await liveInDb()).toBe(cap);
    expect(await live(orgId)).toBe(cap);
    running = claimed;
  }
  // Every release appended by an end was folded by a later claim, once (none left counted twice or lost).
  const unfolded = await suite.db.pool.query<{ n: number }>("SELECT COALESCE(sum(released), 0)::int AS n FROM slot_releases WHERE org_id = $1", [orgId]);
  const row = await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
  expect(row.liveCalls - (unfolded.rows[0]?.n ?? 0)).toBe(cap);
});

test("organisations do not share slots", async () => {
  const one = await org(1);
  const two = await org(1);
  const [a1, a2] = await one.create(2);
  const [b1] = await two.create(1);
  const claims = await claimQueuedCalls(suite.db.pool, [
    { callId: a1 as string, orgId: one.orgId },
    { callId: a2 as string, orgId: one.orgId },
    { callId: b1 as string, orgId: two.orgId },
  ]);
  expect(claims.map((c) => c.claimed)).toEqual([true, false, true]);
});

test("a gated claim goes ahead only for a call without order rules to check and not opted out", async () => {
  const { orgId, create } = await org(10);
  const [plain, windowed, listed] = await create(3);
  await suite.db.pool.query("UPDATE calls SET window_start = 480, window_end = 1260 WHERE id = $1", [windowed]);
  await suite.db.pool.query("UPDATE calls SET contact_number = '+14155550999' WHERE id = $1", [listed]);
  await suite.db.pool.query("INSERT INTO opt_outs (org_id, number, source) VALUES ($1, '+14155550999', 'cli')", [orgId]);
  const claims = await claimQueuedCalls(
    suite.db.pool,
    [plain, windowed, listed].map((callId) => ({ callId: callId as string, orgId, gated: true })),
  );
  expect(claims.map((c) => [c.claimed, "needsCheck" in c && c.needsCheck === true])).toEqual([
    [true, false],
    [false, true],
    [false, true],
  ]);
  expect(claims[1]?.call?.order).toMatchObject({ windowStart: 480, windowEnd: 1260, optedOut: false });
  expect(claims[2]?.call?.order).toMatchObject({ optedOut: true });
  // Judged by the caller, claimed ungated.
  expect((await claimQueuedCalls(suite.db.pool, [{ callId: windowed as string, orgId }]))[0]?.claimed).toBe(true);
  expect(await live(orgId)).toBe(2);
});
