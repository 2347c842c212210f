// call.cancel through the webhook: run-action hands it to @inbound/calls' cancelCall (packages/calls has the use-case tests).
import { showOrganization } from "@inbound/db";
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

const cancel = (callId: string, token = org.token) => ingress.hook(token, { action: "call.cancel", data: { call_id: callId } });
const balance = async () => (await showOrganization(suite.db.prisma, org.orgId)).credits;

async function queuedCall(): Promise<string> {
  const res = await ingress.hook(org.token, createBody(org.agentId));
  expect(res.status).toBe(201);
  return res.body.call_id;
}

test("200: a queued call is canceled, its credit refunded and its job removed", async () => {
  const callId = await queuedCall();
  expect(await ingress.queues.calls.getJob(callId)).toBeDefined();
  const before = await balance();

  const res = await cancel(callId);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ success: true, call_id: callId, status: "canceled", message: "Call has been canceled." });
  expect(await balance()).toBe(before + 1);
  const call = await suite.db.prisma.call.findUnique({ where: { id: callId }, include: { events: true } });
  expect(call?.status).toBe("canceled");
  expect(call?.endedAt).toBeInstanceOf(Date);
  expect(call?.events.map((e) => e.toStatus)).toEqual(["queued", "canceled"]);
  expect(await ingress.queues.calls.getJob(callId)).toBeUndefined();
});

test("409 call_not_cancelable with the current status, and no refund, once the call left queued", async () => {
  for (const status of ["dialing", "in_progress", "completed", "canceled"] as const) {
    const callId = await queuedCall();
    await advanceCall(suite.db, callId, status);
    const before = await balance();
    const res = await cancel(callId);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      success: false,
      error: {
        code: "call_not_cancelable",
        message: `The call is ${status}; only a scheduled or queued call, or one waiting for a retry, can be canceled.`,
        field: "data.call_id",
        status,
      },
    });
    expect(await balance()).toBe(before);
  }
});

test("a second cancel answers 409 canceled and refunds nothing more", async () => {
  const callId = await queuedCall();
  expect((await cancel(callId)).status).toBe(200);
  const before = await balance();
  const again = await cancel(callId);
  expect(again.status).toBe(409);
  expect(again.body.error).toMatchObject({ code: "call_not_cancelable", status: "canceled" });
  expect(await balance()).toBe(before);
});

test("404 call_not_found for an unknown call, another organisation's call, and a deleted call", async () => {
  const other = await createTestOrg(suite.db, { credits: 5 });
  const foreign = await ingress.hook(other.token, createBody(other.agentId));
  const deleted = await queuedCall();
  await advanceCall(suite.db, deleted, "completed", { engagement: true });
  expect((await ingress.hook(org.token, { action: "call.delete", data: { call_id: deleted } })).status).toBe(200);

  const expected = {
    success: false,
    error: { code: "call_not_found", message: "No call with this call_id exists for this organisation.", field: "data.call_id" },
  };
  for (const callId of ["call_doesnotexist", foreign.body.call_id, deleted]) {
    const res = await cancel(callId);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(expected);
  }
  // The foreign call is untouched.
  expect((await suite.db.prisma.call.findUnique({ where: { id: foreign.body.call_id } }))?.status).toBe("queued");
});
