// call.delete through the webhook: run-action hands it to @inbound/calls' deleteCall (packages/calls has the use-case tests).
import { createQueues, purgeJobId } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { advanceCall } from "../test-support/calls";
import { createBody, createTestOrg, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: 50 });
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

const del = (callId: string, token = org.token) => ingress.hook(token, { action: "call.delete", data: { call_id: callId } });

async function call(data: Record<string, unknown> = {}): Promise<string> {
  const res = await ingress.hook(org.token, createBody(org.agentId, data));
  expect(res.status).toBe(201);
  return res.body.call_id;
}

test("200: a finished, connected call is erased in Postgres, audited without PII, and handed to the dialer for purging", async () => {
  const callId = await call({ contact_name: "Asha Rao", contact_email: "asha@example.com", additional_info: { crm: "x-1" } });
  await advanceCall(suite.db, callId, "completed", { engagement: true, providerCallId: "sim_abc" });

  const res = await del(callId);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ success: true, call_id: callId, message: "Call has been deleted." });

  const row = await suite.db.prisma.call.findUnique({ where: { id: callId } });
  expect(row).toMatchObject({
    status: "completed",
    contactNumber: null,
    contactName: null,
    contactEmail: null,
    additionalInfo: null,
    deletedAt: expect.any(Date),
  });
  expect(await suite.db.prisma.engagement.findUnique({ where: { callId } })).toBeNull();
  const audit = await suite.db.prisma.callDeletion.findUnique({ where: { callId } });
  expect(audit).toMatchObject({
    orgId: org.orgId,
    requestId: res.headers["x-request-id"],
    databaseErasedAt: expect.any(Date),
    providerCallId: "sim_abc",
    providerPurgedAt: null,
  });
  const job = await ingress.queues.purges.getJob(purgeJobId(callId));
  expect(job?.data).toEqual({ callId, orgId: org.orgId });
});

test("after a delete, every action on the call answers 404", async () => {
  const callId = await call();
  await advanceCall(suite.db, callId, "completed", { engagement: true });
  expect((await del(callId)).status).toBe(200);
  for (const action of ["call.delete", "call.cancel"]) {
    const res = await ingress.hook(org.token, { action, data: { call_id: callId } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("call_not_found");
  }
});

test("concurrent deletes of one call: one 200, the others 404", async () => {
  const callId = await call();
  await advanceCall(suite.db, callId, "completed", { engagement: true });
  const statuses = (await Promise.all(Array.from({ length: 5 }, () => del(callId)))).map((r) => r.status).sort();
  expect(statuses).toEqual([200, 404, 404, 404, 404]);
  expect(await suite.db.prisma.callDeletion.count({ where: { callId } })).toBe(1);
});

test("409 call_not_deletable with the current status for an unfinished call or one that never connected", async () => {
  const cases = [
    { status: "queued", engagement: false },
    { status: "in_progress", engagement: false },
    { status: "no_answer", engagement: false },
    { status: "busy", engagement: false },
    { status: "canceled", engagement: false },
    { status: "failed", engagement: false },
  ] as const;
  for (const c of cases) {
    const callId = await call();
    await advanceCall(suite.db, callId, c.status, { engagement: c.engagement });
    const res = await del(callId);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      success: false,
      error: { code: "call_not_deletable", message: expect.stringContaining(c.status), field: "data.call_id", status: c.status },
    });
    const row = await suite.db.prisma.call.findUnique({ where: { id: callId } });
    expect(row?.contactNumber).toBe("+919876543210");
    expect(row?.deletedAt).toBeNull();
  }
});

test("404 call_not_found for an unknown call and another organisation's (finished) call", async () => {
  const other = await createTestOrg(suite.db, { credits: 5 });
  const foreign = await ingress.hook(other.token, createBody(other.agentId));
  await advanceCall(suite.db, foreign.body.call_id, "completed", { engagement: true });
  for (const callId of ["call_doesnotexist", foreign.body.call_id]) {
    const res = await del(callId);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      success: false,
      error: {
        code: "call_not_found",
        message: "No call with this call_id exists for this organisation.",
        field: "data.call_id",
      },
    });
  }
  expect((await suite.db.prisma.call.findUnique({ where: { id: foreign.body.call_id } }))?.deletedAt).toBeNull();
});

test("if Redis refuses the purge job the answer is still 200: the erasure is done and the deletion awaits the reconciler", async () => {
  const queues = createQueues(suite.redis, suite.prefix);
  queues.purges.add = (async () => {
    throw new Error("Connection is closed.");
  }) as typeof queues.purges.add;
  const broken = await startIngress(suite, { queues });
  try {
    const callId = await call();
    await advanceCall(suite.db, callId, "completed", { engagement: true });
    const res = await broken.hook(org.token, { action: "call.delete", data: { call_id: callId } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, call_id: callId, message: "Call has been deleted." });
    expect(await suite.db.prisma.callDeletion.findUnique({ where: { callId } })).toMatchObject({ providerPurgedAt: null });
    expect((await suite.db.prisma.call.findUnique({ where: { id: callId } }))?.contactNumber).toBeNull();
    expect(await ingress.queues.purges.getJob(purgeJobId(callId))).toBeUndefined();
    expect(broken.logs.join("")).toContain("purge job not enqueued");
  } finally {
    await broken.close();
    await queues.close();
  }
});

test("a delete also erases the create's idempotency record (its body digest) and the caller's X-Request-Id", async () => {
  const create = await ingress.hook(org.token, createBody(org.agentId, { contact_name: "Asha Rao" }), {
    "Idempotency-Key": "crm-order-88",
    "X-Request-Id": "crm-asha-rao-88",
  });
  expect(create.status).toBe(201);
  const callId = create.body.call_id as string;
  expect(await suite.db.prisma.idempotencyRecord.count({ where: { orgId: org.orgId, key: "crm-order-88" } })).toBe(1);
  await advanceCall(suite.db, callId, "completed", { engagement: true });
  expect((await del(callId)).status).toBe(200);
  expect(await suite.db.prisma.idempotencyRecord.count({ where: { orgId: org.orgId, key: "crm-order-88" } })).toBe(0);
  expect((await suite.db.prisma.call.findUnique({ where: { id: callId } }))?.requestId).toBeNull();
  const events = await suite.db.prisma.callEvent.findMany({ where: { callId } });
  expect(JSON.stringify(events, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("crm-asha-rao-88");
});
