import { newId } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createAgent, createOrganization } from "../admin/organizations";
import { claimIdempotencyKey } from "../ingress/idempotency";
import { type CreateCallInput, type CreateCallOrder, createQueuedCalls } from "./create-call";

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

async function org(credits: number) {
  const { org_id } = await createOrganization(suite.db.prisma, { name: "T", credits, dailyQuota: 100 });
  const { agent_id } = await createAgent(suite.db.prisma, { orgId: org_id, name: "A" });
  return { orgId: org_id, agentId: agent_id };
}

const input = (o: { orgId: string; agentId: string }, extra: Partial<CreateCallInput> = {}): CreateCallInput => ({
  callId: newId("call"),
  orgId: o.orgId,
  agentId: o.agentId,
  contactNumber: "+14155552671",
  contactName: "Asha Rao",
  additionalInfo: { crm_id: "A-1", note: null },
  cost: 1,
  requestId: "req-batch",
  ...extra,
});

const credits = async (orgId: string) => (await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).credits;
const calls = (orgId: string) => suite.db.prisma.call.findMany({ where: { orgId }, include: { events: true } });

// The statement runs on the pg pool (the ingress) and through Prisma (tests of other services).
describe.each([
  ["the pg pool", () => suite.db.pool],
  ["Prisma", () => suite.db.prisma],
] as const)("createQueuedCalls on %s", (_name, client) => {
  test("one statement, several organisations: in order, each call only if its agent is its own and its organisation can pay", async () => {
    const [a, b, c] = await Promise.all([org(2), org(5), org(1)]);
    const inputs = [
      input(a),
      input(b, { agentId: a.agentId }), // another organisation's agent
      input(a, { contactName: null, contactEmail: "x@example.com", additionalInfo: null }),
      input(a), // a has paid for two already
      input(c, { cost: 2 }), // costs more than c has
      input(b),
    ];
    const results = await createQueuedCalls(client(), inputs);
    const createdAt = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(results).toEqual([
      { outcome: "created", createdAt },
      { outcome: "agent_not_found" },
      { outcome: "created", createdAt },
      { outcome: "insufficient_credits", balance: 0 },
      { outcome: "insufficient_credits", balance: 1 },
      { outcome: "created", createdAt },
    ]);
    expect([await credits(a.orgId), await credits(b.orgId), await credits(c.orgId)]).toEqual([0, 4, 1]);

    const created = await calls(a.orgId);
    expect(created.map((c) => c.id).sort()).toEqual([inputs[0]?.callId, inputs[2]?.callId].sort());
    const second = created.find((c) => c.id === inputs[2]?.callId);
    expect(second).toMatchObject({
      status: "queued",
      contactName: null,
      contactEmail: "x@example.com",
      additionalInfo: null,
      creditsReserved: 1,
      requestId: "req-batch",
    });
    // The creation time answered is the one stored, to the millisecond.
    expect(second?.createdAt.toISOString()).toBe((results[2] as { createdAt: string }).createdAt);
    expect(created.find((c) => c.id === inputs[0]?.callId)?.additionalInfo).toEqual({ crm_id: "A-1", note: null });
    for (const call of created) expect(call.events.map((e) => [e.fromStatus, e.toStatus])).toEqual([[null, "queued"]]);
    expect(await calls(c.orgId)).toHaveLength(0);
  });

  test("a keyed create stores its 201 in the same statement; an unpaid one leaves the claim to its caller", async () => {
    const a = await org(1);
    for (const key of ["k1", "k2"]) {
      const claim = await claimIdempotencyKey(client(), {
        orgId: a.orgId,
        key,
        owner: `owner-${key}`,
        requestHash: "h",
        lockSeconds: 60,
        ttlSeconds: 3600,
      });
      expect(claim.state).toBe("claimed");
    }
    const body = (id: string) => ({ success: true, call_id: id, status: "queued" });
    const [first, second] = [input(a), input(a)];
    const results = await createQueuedCalls(client(), [
      {
        ...(first as CreateCallInput),
        idempotency: { key: "k1", owner: "owner-k1", status: 201, body: body(first?.callId as string) },
      },
      {
        ...(second as CreateCallInput),
        idempotency: { key: "k2", owner: "owner-k2", status: 201, body: body(second?.callId as string) },
      },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(["created", "insufficient_credits"]);
    const records = await suite.db.prisma.idempotencyRecord.findMany({ where: { orgId: a.orgId }, orderBy: { key: "asc" } });
    expect(records.map((r) => [r.key, r.responseStatus, r.responseBody])).toEqual([
      ["k1", 201, body(first?.callId as string)],
      ["k2", null, null],
    ]);
    expect(records[0]?.callId).toBe(first?.callId);
  });

  test("a keyed create whose claim lapsed and was taken over creates nothing (one call per key, whatever the waits)", async () => {
    const a = await org(5);
    const claim = (owner: string, lockSeconds: number) =>
      claimIdempotencyKey(client(), { orgId: a.orgId, key: "slow", owner, requestHash: "h", lockSeconds, ttlSeconds: 3600 });
    expect((await claim("first", 0)).state).toBe("claimed"); // its lock lapses at once, as if it waited too long
    expect((await claim("second", 60)).state).toBe("claimed"); // a retry takes the key over
    const body = { success: true };
    const [late, retry] = [input(a), input(a)];
    const results = await createQueuedCalls(client(), [
      { ...(late as CreateCallInput), idempotency: { key: "slow", owner: "first", status: 201, body } },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(["claim_lost"]);
    const again = await createQueuedCalls(client(), [
      { ...(retry as CreateCallInput), idempotency: { key: "slow", owner: "second", status: 201, body } },
    ]);
    expect(again.map((r) => r.outcome)).toEqual(["created"]);
    expect((await calls(a.orgId)).map((c) => c.id)).toEqual([retry?.callId]);
    expect(await credits(a.orgId)).toBe(4);
  });
  test("a keyed create can stamp the call's creation time into the stored body (the REST call object)", async () => {
    const a = await org(1);
    await claimIdempotencyKey(client(), {
      orgId: a.orgId,
      key: "k3",
      owner: "o3",
      requestHash: "h",
      lockSeconds: 60,
      ttlSeconds: 3600,
    });
    const call = input(a) as CreateCallInput;
    const body = { id: call.callId, status: "queued", created_at: null, queued_at: null, dialing_at: null };
    const [result] = await createQueuedCalls(client(), [
      { ...call, idempotency: { key: "k3", owner: "o3", status: 201, body, stampCreatedAt: ["created_at", "queued_at"] } },
    ]);
    const createdAt = (result as { createdAt: string }).createdAt;
    const record = await suite.db.prisma.idempotencyRecord.findFirst({ where: { orgId: a.orgId, key: "k3" } });
    expect(record?.responseBody).toEqual({ ...body, created_at: createdAt, queued_at: createdAt });
    const row = await suite.db.prisma.call.findUnique({ where: { id: call.callId } });
    expect(row?.createdAt.toISOString()).toBe(createdAt);
    expect(row?.queuedAt.toISOString()).toBe(createdAt);
  });
});

test("concurrent batches over the same organisations, in any order: no deadlock, no overdraft, exact balances", async () => {
  const [a, b] = await Promise.all([org(30), org(30)]);
  const batch = (first: typeof a, then: typeof a) =>
    createQueuedCalls(suite.db.pool, [input(first), input(then), input(first), input(then)]);
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? batch(a, b) : batch(b, a))));
  const created = results.flat().filter((r) => r.outcome === "created").length;
  expect(created).toBe(40);
  expect([await credits(a.orgId), await credits(b.orgId)]).toEqual([10, 10]);

  const more = await Promise.all(Array.from({ length: 8 }, () => batch(a, b)));
  expect(more.flat().filter((r) => r.outcome === "created")).toHaveLength(20);
  expect([await credits(a.orgId), await credits(b.orgId)]).toEqual([0, 0]);
  expect((await calls(a.orgId)).length + (await calls(b.orgId)).length).toBe(60);
});

async function dedupeOrder(orgId: string): Promise<CreateCallOrder> {
  const { policyVersion } = await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
  return {
    status: "queued",
    dueAt: null,
    notBefore: null,
    notAfter: null,
    windowStart: null,
    windowEnd: null,
    timeZones: [],
    retryPolicy: null,
    decision: { decision: "dial_now" },
    policyVersion,
    dedupeWindowMinutes: 10,
  };
}

test("dedupe window: concurrent batches over two organisations in either order: no deadlock, one call per organisation and number", async () => {
  const [a, b] = await Promise.all([org(100), org(100)]);
  const [orderA, orderB] = await Promise.all([dedupeOrder(a.orgId), dedupeOrder(b.orgId)]);
  const item = (o: typeof a, order: CreateCallOrder, n: number) => input(o, { order, contactNumber: `+1415555010${n}` });
  const batch = (flip: boolean) => {
    const items = [0, 1, 2].flatMap((n) => [item(a, orderA, n), item(b, orderB, n)]);
    return createQueuedCalls(suite.db.pool, flip ? items.reverse() : items);
  };
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batch(i % 2 === 1)));
  const outcomes = results.flat();
  expect(outcomes.filter((r) => r.outcome === "created")).toHaveLength(6);
  expect(outcomes.filter((r) => r.outcome === "duplicate")).toHaveLength(54);
  for (const o of [a, b]) {
    const made = await calls(o.orgId);
    expect(made.map((c) => c.contactNumber).sort()).toEqual(["+14155550100", "+14155550101", "+14155550102"]);
  }
  expect([await credits(a.orgId), await credits(b.orgId)]).toEqual([97, 97]);
});

test("dedupe window: two batches committed concurrently for one number create one call, the other is its duplicate", async () => {
  const a = await org(5);
  const order = await dedupeOrder(a.orgId);
  // A third connection holds the organisation's row, so both batches start (take their snapshots) and wait.
  const locker = await suite.db.pool.connect();
  try {
    await locker.query("BEGIN");
    await locker.query("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE", [a.orgId]);
    const [first, second] = [input(a, { order }), input(a, { order })];
    const batches = [createQueuedCalls(suite.db.pool, [first]), createQueuedCalls(suite.db.pool, [second])];
    const waiting = async () =>
      Number(
        // From another connection: inside the locker's transaction pg_stat_activity would not change.
        (
          await suite.db.pool.query(
            `SELECT count(*) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
               AND query LIKE '%jsonb_to_recordset%'`,
          )
        ).rows[0].n,
      );
    const deadline = Date.now() + 2000;
    while ((await waiting()) < 2) {
      if (Date.now() > deadline) throw new Error("the two batches never both waited");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await locker.query("COMMIT");
    const results = await Promise.all(batches);
    const created = results.findIndex(([r]) => r?.outcome === "created");
    expect(created).toBeGreaterThanOrEqual(0);
    const winner = created === 0 ? first : second;
    expect(results[1 - created]).toEqual([{ outcome: "duplicate", duplicateOf: winner.callId }]);
    expect((await calls(a.orgId)).map((c) => c.id)).toEqual([winner.callId]);
    expect(await credits(a.orgId)).toBe(4);
  } finally {
    await locker.query("ROLLBACK").catch(() => undefined);
    locker.release();
  }
});
