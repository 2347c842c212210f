import { purgeJobId, type Queues } from "@inbound/queue";
import { callSuite, refusal, testCall, testOrg, useCaseDeps } from "../test-support/call-fixtures";
import { deleteCall } from "./delete-call";

const env = callSuite();

test("a finished, connected call is erased in one statement, recorded without PII, and its purge job holds ids only", async () => {
  const org = await testOrg(env.suite.db);
  const callId = await testCall(env.suite.db, env.queues, org, "completed", { engagement: true });
  const { deps } = useCaseDeps(env.suite.db, env.queues);

  const done = await deleteCall(deps, { orgId: org.orgId, callId, by: "dashboard", field: "call_id", requestId: "req-del" });
  expect(done).toEqual({ callId, message: "Call has been deleted." });
  expect(await env.suite.db.prisma.call.findUnique({ where: { id: callId } })).toMatchObject({
    contactNumber: null,
    contactName: null,
    deletedAt: expect.any(Date),
  });
  expect(await env.suite.db.prisma.engagement.findUnique({ where: { callId } })).toBeNull();
  expect(await env.suite.db.prisma.callDeletion.findUnique({ where: { callId } })).toMatchObject({
    orgId: org.orgId,
    requestId: "req-del",
    providerPurgedAt: null,
  });
  expect((await env.queues.purges.getJob(purgeJobId(callId)))?.data).toEqual({ callId, orgId: org.orgId });
});

test("409 call_not_deletable with the current status: a live call, and a finished one that never connected", async () => {
  const org = await testOrg(env.suite.db);
  const { deps } = useCaseDeps(env.suite.db, env.queues);
  const live = await testCall(env.suite.db, env.queues, org, "in_progress", { engagement: true });
  const busy = await testCall(env.suite.db, env.queues, org, "busy");
  expect(await refusal(deleteCall(deps, { orgId: org.orgId, callId: live, by: "webhook", field: "data.call_id" }))).toEqual({
    http: 409,
    code: "call_not_deletable",
    message: "The call is in_progress; only a finished call can be deleted.",
    field: "data.call_id",
    status: "in_progress",
  });
  expect(await refusal(deleteCall(deps, { orgId: org.orgId, callId: busy, by: "webhook", field: "data.call_id" }))).toEqual({
    http: 409,
    code: "call_not_deletable",
    message: "The call is busy and never connected; only a finished call that connected can be deleted.",
    field: "data.call_id",
    status: "busy",
  });
  expect(await env.suite.db.prisma.callDeletion.count({ where: { callId: { in: [live, busy] } } })).toBe(0);
});

test("404 call_not_found for an unknown call, another organisation's call (kept) and an already deleted one", async () => {
  const org = await testOrg(env.suite.db);
  const other = await testOrg(env.suite.db);
  const foreign = await testCall(env.suite.db, env.queues, other, "completed", { engagement: true });
  const deleted = await testCall(env.suite.db, env.queues, org, "completed", { engagement: true });
  const { deps } = useCaseDeps(env.suite.db, env.queues);
  await deleteCall(deps, { orgId: org.orgId, callId: deleted, by: "admin CLI", field: "call_id" });
  for (const callId of ["call_doesnotexist", foreign, deleted]) {
    expect(await refusal(deleteCall(deps, { orgId: org.orgId, callId, by: "admin CLI", field: "call_id" }))).toMatchObject({
      http: 404,
      code: "call_not_found",
    });
  }
  expect((await env.suite.db.prisma.call.findUnique({ where: { id: foreign } }))?.contactNumber).toBe("+14155552671");
});

test("Redis refusing the purge job leaves the erasure done: success, and a warning with ids only", async () => {
  const org = await testOrg(env.suite.db);
  const callId = await testCall(env.suite.db, env.queues, org, "completed", { engagement: true });
  const broken = {
    ...env.queues,
    purges: { add: () => Promise.reject(new Error("Connection is closed.")) },
  } as unknown as Queues;
  const { deps, logs } = useCaseDeps(env.suite.db, broken);
  expect(await deleteCall(deps, { orgId: org.orgId, callId, by: "REST API", field: "call_id" })).toEqual({
    callId,
    message: "Call has been deleted.",
  });
  expect((await env.suite.db.prisma.call.findUnique({ where: { id: callId } }))?.deletedAt).toBeInstanceOf(Date);
  expect(logs.map((l) => JSON.parse(l).msg)).toEqual(["purge job not enqueued; the dialer's reconciler will enqueue it"]);
  expect(logs[0]).not.toContain("Asha");
});
