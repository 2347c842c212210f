import { createHash } from "node:crypto";
import { addCredits } from "@inbound/db";
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

test("a duplicate while the first is still being processed → 409 idempotency_key_in_flight", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const body = createBody(org.agentId);
  const raw = Buffer.from(JSON.stringify(body));
  // The first request holds the key (claimed, lock still valid, no response yet).
  await suite.db.prisma.idempotencyRecord.create({
    data: {
      orgId: org.orgId,
      key: "busy-key",
      requestHash: createHash("sha256").update(raw).digest("hex"),
      lockedUntil: new Date(Date.now() + 60_000),
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const res = await a.hook(org.token, body, { "Idempotency-Key": "busy-key" });
  expect(res.status).toBe(409);
  expect(res.body).toEqual({
    success: false,
    error: { code: "idempotency_key_in_flight", message: expect.any(String), field: "Idempotency-Key" },
  });
  expect(await calls(org.orgId)).toBe(0);

  // Its holder crashed: once the lock expires, the key is taken over and the request runs.
  await suite.db.prisma.idempotencyRecord.update({
    where: { orgId_key: { orgId: org.orgId, key: "busy-key" } },
    data: { lockedUntil: new Date(Date.now() - 1000) },
  });
  expect((await a.hook(org.token, body, { "Idempotency-Key": "busy-key" })).status).toBe(201);
  expect(await calls(org.orgId)).toBe(1);
});

test("20 parallel duplicates with one key create exactly one call; every 201 names it, the rest are 409", async () => {
  const org = await createTestOrg(suite.db, { credits: 50 });
  const body = createBody(org.agentId);
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hook(org.token, body, { "Idempotency-Key": "storm" })),
  );
  const created = responses.filter((r) => r.status === 201);
  expect(created.length).toBeGreaterThanOrEqual(1);
  expect(new Set(created.map((r) => r.body.call_id)).size).toBe(1);
  for (const r of responses.filter((r) => r.status !== 201)) {
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("idempotency_key_in_flight");
  }
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
