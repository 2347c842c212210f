import { scheduleRetry, showOrganization } from "@inbound/db";
import type { Queues } from "@inbound/queue";
import { callSuite, refusal, testCall, testOrg, useCaseDeps } from "../test-support/call-fixtures";
import { cancelCall } from "./cancel-call";

const env = callSuite();

const credits = async (orgId: string) => (await showOrganization(env.suite.db.prisma, orgId)).credits;

test("a queued call is canceled in one move: refunded, its event says who asked, its job removed", async () => {
  const org = await testOrg(env.suite.db, 5);
  const callId = await testCall(env.suite.db, env.queues, org);
  expect(await credits(org.orgId)).toBe(4);
  const { deps } = useCaseDeps(env.suite.db, env.queues);

  const done = await cancelCall(deps, { orgId: org.orgId, callId, by: "dashboard", field: "call_id" });
  expect(done).toEqual({ callId, status: "canceled", message: "Call has been canceled." });
  expect(await credits(org.orgId)).toBe(5);
  const row = await env.suite.db.prisma.call.findUnique({
    where: { id: callId },
    include: { events: { orderBy: { at: "asc" } } },
  });
  expect(row).toMatchObject({ status: "canceled", endReason: "canceled", endedAt: expect.any(Date) });
  expect(row?.events.map((e) => [e.toStatus, e.detail])).toEqual([
    ["queued", "created"],
    ["canceled", "canceled by dashboard"],
  ]);
  expect(await env.queues.calls.getJob(callId)).toBeUndefined();
});

test("409 call_not_cancelable names the status in the caller's field, and refunds nothing", async () => {
  const org = await testOrg(env.suite.db, 10);
  const { deps } = useCaseDeps(env.suite.db, env.queues);
  for (const status of ["dialing", "completed", "canceled"] as const) {
    const callId = await testCall(env.suite.db, env.queues, org, status);
    const before = await credits(org.orgId);
    expect(await refusal(cancelCall(deps, { orgId: org.orgId, callId, by: "webhook", field: "data.call_id" }))).toEqual({
      http: 409,
      code: "call_not_cancelable",
      message: `The call is ${status}; only a scheduled or queued call, or one waiting for a retry, can be canceled.`,
      field: "data.call_id",
      status,
    });
    expect(await credits(org.orgId)).toBe(before);
  }
});

test("a dialing call waiting for a transient retry is canceled (refunded, its job removed); one being placed is not", async () => {
  const org = await testOrg(env.suite.db, 10);
  const { deps } = useCaseDeps(env.suite.db, env.queues);
  const waiting = await testCall(env.suite.db, env.queues, org, "dialing");
  const placing = await testCall(env.suite.db, env.queues, org, "dialing");
  const attempts = (await env.suite.db.prisma.call.findUniqueOrThrow({ where: { id: waiting } })).attempts;
  expect(await scheduleRetry(env.suite.db.pool, { callId: waiting, attempts, delayMs: 60_000, detail: "provider_unavailable" })).toBe(true);
  const before = await credits(org.orgId);

  const done = await cancelCall(deps, { orgId: org.orgId, callId: waiting, by: "REST API", field: "call_id" });
  expect(done.status).toBe("canceled");
  expect(await credits(org.orgId)).toBe(before + 1);
  const row = await env.suite.db.prisma.call.findUniqueOrThrow({ where: { id: waiting } });
  expect(row).toMatchObject({ status: "canceled", endReason: "canceled", retryPendingAt: null });
  expect(await env.queues.calls.getJob(waiting)).toBeUndefined();

  expect(await refusal(cancelCall(deps, { orgId: org.orgId, callId: placing, by: "REST API", field: "call_id" }))).toMatchObject({
    http: 409,
    code: "call_not_cancelable",
    status: "dialing",
  });
  expect((await env.suite.db.prisma.call.findUniqueOrThrow({ where: { id: placing } })).status).toBe("dialing");
  expect(await credits(org.orgId)).toBe(before + 1);
});

test("404 call_not_found for an unknown call and for another organisation's call, which stays queued", async () => {
  const org = await testOrg(env.suite.db);
  const other = await testOrg(env.suite.db);
  const foreign = await testCall(env.suite.db, env.queues, other);
  const { deps } = useCaseDeps(env.suite.db, env.queues);
  for (const callId of ["call_doesnotexist", foreign]) {
    expect(await refusal(cancelCall(deps, { orgId: org.orgId, callId, by: "admin CLI", field: "call_id" }))).toEqual({
      http: 404,
      code: "call_not_found",
      message: "No call with this call_id exists for this organisation.",
      field: "call_id",
    });
  }
  expect((await env.suite.db.prisma.call.findUnique({ where: { id: foreign } }))?.status).toBe("queued");
  expect(await env.queues.calls.getJob(foreign)).toBeDefined();
});

test("Redis refusing the job removal does not undo the cancel: success, and a warning with ids only", async () => {
  const org = await testOrg(env.suite.db);
  const callId = await testCall(env.suite.db, env.queues, org);
  const broken = {
    ...env.queues,
    calls: { remove: () => Promise.reject(new Error("Connection is closed.")) },
  } as unknown as Queues;
  const { deps, logs } = useCaseDeps(env.suite.db, broken);
  const done = await cancelCall(deps, { orgId: org.orgId, callId, by: "REST API", field: "call_id", requestId: "req-1" });
  expect(done.status).toBe("canceled");
  expect((await env.suite.db.prisma.call.findUnique({ where: { id: callId } }))?.status).toBe("canceled");
  expect(logs).toHaveLength(1);
  expect(JSON.parse(logs[0] as string)).toMatchObject({ level: "warn", call_id: callId, request_id: "req-1" });
  expect(logs[0]).not.toContain("4155552671");
  expect(logs[0]).not.toContain("Asha");
});
