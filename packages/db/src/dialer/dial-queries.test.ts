import { newId } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createAgent, createOrganization } from "../admin/organizations";
import { createQueuedCall } from "../calls/create-call";
import { transitionCall } from "../calls/transition-call";
import { claimQueuedCall, loadDialableCall } from "./dial-queries";

let suite: SuiteEnv;
let orgId: string;
let agentId: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 1000, dailyQuota: 100 })).org_id;
  agentId = (await createAgent(suite.db.prisma, { orgId, name: "Ava" })).agent_id;
});
afterAll(() => suite.close());

async function queued(): Promise<string> {
  const callId = newId("call");
  const result = await createQueuedCall(suite.db.pool, {
    callId,
    orgId,
    agentId,
    contactNumber: "+14155552671",
    contactName: "Priya Sharma",
    additionalInfo: { plan: "gold" },
    cost: 1,
    requestId: "req-claim",
  });
  expect(result.outcome).toBe("created");
  return callId;
}

test("claim: a queued call moves to dialing (attempt counted, event logged) and comes back with what dialing needs", async () => {
  const callId = await queued();
  const claim = await claimQueuedCall(suite.db.pool, { callId, orgId, detail: "attempt 1" });
  expect(claim).toMatchObject({
    claimed: true,
    call: {
      id: callId,
      orgId,
      agentId,
      agentName: "Ava",
      status: "dialing",
      attempts: 1,
      retryPending: false,
      contactNumber: "+14155552671",
      contactName: "Priya Sharma",
      additionalInfo: { plan: "gold" },
      requestId: "req-claim",
    },
    moved: { id: callId, status: "dialing", attempts: 1, requestId: "req-claim", refunded: false },
  });
  const row = await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } });
  expect(row).toMatchObject({ status: "dialing", attempts: 1 });
  expect(row.dialingAt).toBeInstanceOf(Date);
  const events = await suite.db.prisma.callEvent.findMany({ where: { callId } });
  expect(events.map((e) => [e.fromStatus, e.toStatus])).toEqual([
    [null, "queued"],
    ["queued", "dialing"],
  ]);
  expect(events[1]?.detail).toBe("attempt 1");

  // Claimed already: only read, nothing moves.
  const again = await claimQueuedCall(suite.db.pool, { callId, orgId });
  expect(again).toMatchObject({ claimed: false, call: { status: "dialing", attempts: 1 } });
  // The same call read again (its age since dialing has grown meanwhile).
  expect(await loadDialableCall(suite.db.pool, { callId, orgId })).toEqual({
    ...again.call,
    secondsSinceDialing: expect.any(Number),
  });
  expect(await suite.db.prisma.callEvent.count({ where: { callId } })).toBe(2);
});

test("claim: another organisation's, a deleted or a missing call is null and does not move", async () => {
  const callId = await queued();
  expect(await claimQueuedCall(suite.db.pool, { callId, orgId: "org_other" })).toEqual({ claimed: false, call: null });
  expect(await claimQueuedCall(suite.db.pool, { callId: "call_missing", orgId })).toEqual({ claimed: false, call: null });
  await suite.db.prisma.call.update({ where: { id: callId }, data: { deletedAt: new Date() } });
  expect(await claimQueuedCall(suite.db.pool, { callId, orgId })).toEqual({ claimed: false, call: null });
  expect(await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } })).toMatchObject({
    status: "queued",
    attempts: 0,
  });
});

test("claim racing a cancel: exactly one wins; a losing claim reports the call as not claimed", async () => {
  for (let round = 0; round < 20; round++) {
    const callId = await queued();
    const [cancel, claim] = await Promise.all([
      transitionCall(suite.db.pool, { callId, orgId, from: "queued", to: "canceled" }),
      claimQueuedCall(suite.db.pool, { callId, orgId }),
    ]);
    expect([cancel.moved, claim.claimed].filter(Boolean)).toHaveLength(1);
    const row = await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } });
    expect(row.status).toBe(cancel.moved ? "canceled" : "dialing");
    expect(row.attempts).toBe(cancel.moved ? 0 : 1);
    if (!claim.claimed) expect(["queued", "canceled"]).toContain(claim.call?.status);
  }
});
