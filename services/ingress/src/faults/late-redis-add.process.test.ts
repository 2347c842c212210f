import { eventually, startTcpProxy, type TcpProxy } from "@inbound/testing";
import { createTestOrg, type TestOrg } from "../test-support/harness";
import { create, createFaultEnv, creditsOf, dialsOf, type FaultEnv } from "./fault-env";

/**
 * Fault: Redis takes the BullMQ add of a create 3 s late (a slow Redis, not a dead one), longer than the
 * ingress waits for it. Must hold: one call, one dial, the answer 201 (or 503 with nothing committed).
 */
let env: FaultEnv;
let proxy: TcpProxy;
let org: TestOrg;

beforeAll(async () => {
  env = await createFaultEnv();
  proxy = await startTcpProxy(env.suite.env.REDIS_URL as string);
  org = await createTestOrg(env.suite.db, { credits: 5 });
});
afterAll(async () => {
  await env?.close();
  await proxy?.close();
});

test("the add lands 3 s late: 201 at once, the call is dialled exactly once and completes, one credit spent", async () => {
  // The ingress reaches Redis through the proxy; the dialer directly. Its reconciler races the late add.
  const ingress = await env.ingress({ REDIS_URL: proxy.url, REDIS_TIMEOUT_MS: "1000" });
  await env.dialer({ RECONCILE_INTERVAL_MS: "300", RECONCILE_AFTER_MS: "500" });
  // The add is the one command the ingress sends that names a call (its job id is the call id).
  proxy.delayWhen("call_", 3000);
  const started = Date.now();
  const res = await create(ingress.url, org.token, org.agentId, { contact_number: "+14155552671" });
  const answeredInMs = Date.now() - started;
  expect(res.status).toBe(201);
  expect(answeredInMs).toBeLessThan(2900); // answered before the add landed: the commit decided
  const callId = res.body.call_id as string;

  await eventually(
    async () => (await env.suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } })).status === "completed",
    30_000,
  );
  // The late add (and any re-enqueue by the reconciler) had a chance to run a second time: still one dial.
  await eventually(async () => (await env.queues.calls.getJobCounts("waiting", "active", "delayed")).waiting === 0, 10_000);
  expect(await dialsOf(env, callId)).toBe(1);
  expect(await env.suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(1);
  expect(await creditsOf(env, org.orgId)).toBe(4);
  await ingress.proc.waitFor(/call committed but its job was not enqueued/); // logs are flushed every second
});
