import { createHash } from "node:crypto";
import { addCredits, type Database } from "@inbound/db";
import { createQueues } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createBody, createTestOrg, send, startIngress, type TestIngress } from "../test-support/harness";

let suite: SuiteEnv;
let a: TestIngress;
let b: TestIngress;

beforeAll(async () => {
  suite = await createSuiteEnv();
  [a, b] = await Promise.all([startIngress(suite), startIngress(suite)]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await suite?.close();
});

const calls = (orgId: string) => suite.db.prisma.call.count({ where: { orgId } });

test("a repeated key with the same body replays the first response (same call_id) and creates nothing", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const body = createBody(org.agentId);
  const first = await a.hook(org.token, body, { "Idempotency-Key": "zap-1" });
  expect(first.status).toBe(201);
  expect(first.headers["idempotent-replayed"]).toBeUndefined();
  const again = await b.hook(org.token, body, { "Idempotency-Key": "zap-1" });
  expect(again.status).toBe(201);
  expect(again.body).toEqual(first.body);
  expect(again.headers["idempotent-replayed"]).toBe("true");
  expect(await calls(org.orgId)).toBe(1);
  expect((await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits).toBe(9);
});

test("the same key with a different body → 422 idempotency_key_reused (re-spaced JSON counts as different)", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const body = createBody(org.agentId);
  expect((await a.hook(org.token, body, { "Idempotency-Key": "k-422" })).status).toBe(201);
  for (const other of [createBody(org.agentId, { contact_name: "Someone else" }), JSON.stringify(body, null, 1)]) {
    const res = await send(a.url, `/v1/hooks/${org.token}`, {
      body: typeof other === "string" ? other : JSON.stringify(other),
      headers: { "Content-Type": "application/json", "Idempotency-Key": "k-422" },
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      success: false,
      error: { code: "idempotency_key_reused", message: expect.stringContaining("different body"), field: "Idempotency-Key" },
    });
  }
  expect(await calls(org.orgId)).toBe(1);
});

/** A gate a test opens: everything that waits on it proceeds. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** The suite's database, whose create statements wait for `held` before running; `reached` says one is waiting. */
function heldCreates(held: Promise<void>, reached: () => void): Database {
  const pool = new Proxy(suite.db.pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver);
      return async (config: { name?: string }, ...rest: unknown[]) => {
        if (config?.name === "ingress_create_queued_calls") {
          reached();
          await held;
        }
        return (target.query as (...a: unknown[]) => Promise<unknown>).call(target, config, ...rest);
      };
    },
  });
  return { ...suite.db, pool };
}

test("a real duplicate request while the first is still before its commit → 409 in flight; after it, the replayed 201", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const body = createBody(org.agentId);
  const hold = gate();
  const arrived = gate();
  const slow = await startIngress(suite, { db: heldCreates(hold.opened, arrived.open) });
  try {
    const first = slow.hook(org.token, body, { "Idempotency-Key": "busy-key" });
    await arrived.opened; // the first request holds the key and waits at its create statement
    for (const replica of [a, b, slow]) {
      const dup = await replica.hook(org.token, body, { "Idempotency-Key": "busy-key" });
      expect(dup.status).toBe(409);
      expect(dup.headers["retry-after"]).toBe("1");
      expect(dup.body).toEqual({
        success: false,
        error: { code: "idempotency_key_in_flight", message: expect.any(String), field: "Idempotency-Key" },
      });
    }
    expect(await calls(org.orgId)).toBe(0);
    hold.open();
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await a.hook(org.token, body, { "Idempotency-Key": "busy-key" });
    expect(replay.status).toBe(201);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.body.call_id).toBe(done.body.call_id);
    expect(await calls(org.orgId)).toBe(1);
  } finally {
    hold.open();
    await slow.close();
  }
});

test("a duplicate arriving while the first, committed, still waits for Redis replays its 201: the call exists and stays", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const body = createBody(org.agentId);
  const hold = gate();
  const arrived = gate();
  const queues = createQueues(suite.redis, suite.prefix);
  const realAdd = queues.calls.add.bind(queues.calls);
  queues.calls.add = (async (...args: Parameters<typeof realAdd>) => {
    arrived.open();
    await hold.opened;
    return realAdd(...args);
  }) as typeof queues.calls.add;
  const slow = await startIngress(suite, { queues });
  try {
    const first = slow.hook(org.token, body, { "Idempotency-Key": "enqueueing" });
    await arrived.opened;
    const dup = await a.hook(org.token, body, { "Idempotency-Key": "enqueueing" });
    expect(dup.status).toBe(201);
    expect(dup.headers["idempotent-replayed"]).toBe("true");
    hold.open();
    const done = await first;
    expect(done.status).toBe(201);
    expect(done.body.call_id).toBe(dup.body.call_id);
    // The replayed call_id names a real call, with its job.
    expect(await suite.db.prisma.call.findUnique({ where: { id: dup.body.call_id } })).toMatchObject({ status: "queued" });
    expect(await queues.calls.getJob(dup.body.call_id)).toBeDefined();
    expect(await calls(org.orgId)).toBe(1);
  } finally {
    hold.open();
    await slow.close();
    await queues.close();
  }
});

test("a key whose holder crashed (lock expired, no response) is taken over and the request runs", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const body = createBody(org.agentId);
  const raw = Buffer.from(JSON.stringify(body));
  await suite.db.prisma.idempotencyRecord.create({
    data: {
      orgId: org.orgId,
      key: "crashed-key",
      owner: "a-dead-request",
      requestHash: createHash("sha256").update(raw).digest("hex"),
      lockedUntil: new Date(Date.now() - 1000),
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  expect((await a.hook(org.token, body, { "Idempotency-Key": "crashed-key" })).status).toBe(201);
  expect(await calls(org.orgId)).toBe(1);
});

test("20 parallel duplicates with one key on two replicas: exactly one original 201; the others 409 or its replay", async () => {
  const org = await createTestOrg(suite.db, { credits: 50 });
  const body = createBody(org.agentId);
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hook(org.token, body, { "Idempotency-Key": "storm" })),
  );
  const originals = responses.filter((r) => r.status === 201 && r.headers["idempotent-replayed"] === undefined);
  const replays = responses.filter((r) => r.status === 201 && r.headers["idempotent-replayed"] === "true");
  const inFlight = responses.filter((r) => r.status === 409);
  expect(originals).toHaveLength(1);
  expect(originals.length + replays.length + inFlight.length).toBe(20);
  for (const r of replays) expect(r.body.call_id).toBe(originals[0]?.body.call_id);
  for (const r of inFlight) expect(r.body.error.code).toBe("idempotency_key_in_flight");
  expect(await calls(org.orgId)).toBe(1);
  expect((await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits).toBe(49);
});

test("keys are scoped per organisation", async () => {
  const one = await createTestOrg(suite.db);
  const two = await createTestOrg(suite.db);
  const r1 = await a.hook(one.token, createBody(one.agentId), { "Idempotency-Key": "shared" });
  const r2 = await a.hook(two.token, createBody(two.agentId), { "Idempotency-Key": "shared" });
  expect([r1.status, r2.status]).toEqual([201, 201]);
  expect(r1.body.call_id).not.toBe(r2.body.call_id);
});

test("final 4xx answers are replayed too (a 402 stays a 402 for that key)", async () => {
  const org = await createTestOrg(suite.db, { credits: 0 });
  const body = createBody(org.agentId);
  const first = await a.hook(org.token, body, { "Idempotency-Key": "poor" });
  expect(first.status).toBe(402);
  await addCredits(suite.db.prisma, { orgId: org.orgId, amount: 5 });
  const again = await a.hook(org.token, body, { "Idempotency-Key": "poor" });
  expect(again.status).toBe(402);
  expect(again.body).toEqual(first.body);
  expect(again.headers["idempotent-replayed"]).toBe("true");
  expect((await a.hook(org.token, body, { "Idempotency-Key": "rich" })).status).toBe(201);
});

test("cancel with a key: the repeat replays 200 instead of answering 409", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  const created = await a.hook(org.token, createBody(org.agentId));
  const cancel = { action: "call.cancel", data: { call_id: created.body.call_id } };
  const first = await a.hook(org.token, cancel, { "Idempotency-Key": "cancel-1" });
  expect(first.status).toBe(200);
  const again = await b.hook(org.token, cancel, { "Idempotency-Key": "cancel-1" });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  expect((await a.hook(org.token, cancel)).status).toBe(409);
});

test("an expired record (older than IDEMPOTENCY_TTL_SECONDS) no longer replays", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  const body = createBody(org.agentId);
  const first = await a.hook(org.token, body, { "Idempotency-Key": "old" });
  await suite.db.prisma.idempotencyRecord.update({
    where: { orgId_key: { orgId: org.orgId, key: "old" } },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  const later = await a.hook(org.token, body, { "Idempotency-Key": "old" });
  expect(later.status).toBe(201);
  expect(later.body.call_id).not.toBe(first.body.call_id);
});

test("an invalid Idempotency-Key → 400 invalid_idempotency_key", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  for (const key of ["", " ", "x".repeat(256), "ключ"]) {
    const res = await send(a.url, `/v1/hooks/${org.token}`, {
      body: createBody(org.agentId),
      headers: { "Idempotency-Key": Buffer.from(key).toString("latin1") },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: { code: "invalid_idempotency_key", message: expect.any(String), field: "Idempotency-Key" },
    });
  }
  expect(await calls(org.orgId)).toBe(0);
  expect((await a.hook(org.token, createBody(org.agentId), { "Idempotency-Key": "x".repeat(255) })).status).toBe(201);
});
