import { eraseCall, heartbeatDialer, transitionCall } from "@inbound/db";
import { CALL_QUEUE, type CallJob, createQueues, createRedis, enqueuePurge, purgeJobId, type Queues } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { Worker } from "bullmq";
import {
  callRow,
  credits,
  createTestOrg,
  dialsOf,
  NUMBERS,
  queueCall,
  runToEnd,
  type TestOrg,
  testContext,
  until,
} from "../test-support/fixtures";
import type { SimulatedProvider } from "../telephony/simulated-provider";
import { dialCall } from "./dial-call";
import { createReconciler } from "./reconcile";

let suite: SuiteEnv;
let org: TestOrg;
let queues: Queues;

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db.prisma);
  queues = createQueues(suite.redis, suite.prefix);
});
afterAll(async () => {
  await queues.close();
  await suite.close();
});

function reconciler(afterMs = 0, stuckAfterMs = 0) {
  return createReconciler(testContext(suite), queues, suite.redis, { afterMs, stuckAfterMs, purgeMaxAttempts: 3 });
}

async function age(callId: string, ms: number) {
  await suite.db.prisma.$executeRaw`UPDATE calls SET queued_at = queued_at - make_interval(secs => ${ms / 1000}::float8),
    updated_at = updated_at - make_interval(secs => ${ms / 1000}::float8) WHERE id = ${callId}`;
}

const jobState = (id: string) => queues.calls.getJobState(id);

test("a queued call whose job never reached Redis (or was deleted) is enqueued again, ids only", async () => {
  const lost = await queueCall(suite.db.prisma, queues, org, { enqueue: false });
  const deleted = await queueCall(suite.db.prisma, queues, org);
  await queues.calls.remove(deleted.callId);
  const healthy = await queueCall(suite.db.prisma, queues, org);
  const fresh = await queueCall(suite.db.prisma, queues, org, { enqueue: false });
  for (const c of [lost, deleted, healthy]) await age(c.callId, 5000);

  const report = await reconciler(2000).runOnce();
  expect(report.requeuedCalls.sort()).toEqual([lost.callId, deleted.callId].sort());
  expect(await jobState(lost.callId)).toBe("waiting");
  expect(await jobState(deleted.callId)).toBe("waiting");
  expect(await jobState(fresh.callId)).toBe("unknown"); // younger than RECONCILE_AFTER_MS: the ingress may still be enqueueing
  const job = await queues.calls.getJob(lost.callId);
  expect(job?.data).toEqual({ orgId: org.orgId });
  expect((await reconciler(2000).runOnce()).requeuedCalls).toEqual([]);
});

test("a queued call whose job finished without dialing it (failed while Postgres was away) gets a new job", async () => {
  const { callId } = await queueCall(suite.db.prisma, queues, org);
  const workerRedis = createRedis({ url: suite.redisUrl, timeoutMs: 2000, role: "worker" });
  const worker = new Worker<CallJob>(
    CALL_QUEUE,
    async () => {
      throw new Error("ECONNREFUSED");
    },
    { connection: workerRedis, prefix: suite.prefix },
  );
  try {
    for (let i = 0; i < 100 && (await jobState(callId)) !== "failed"; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await worker.close();
    await workerRedis.quit();
  }
  expect(await jobState(callId)).toBe("failed");
  await age(callId, 5000);
  expect((await reconciler(0).runOnce()).requeuedCalls).toContain(callId);
  expect(await jobState(callId)).toBe("waiting");
});

test("run by several dialers at once, each missing job is added once", async () => {
  const calls = await Promise.all(Array.from({ length: 20 }, () => queueCall(suite.db.prisma, queues, org, { enqueue: false })));
  for (const c of calls) await age(c.callId, 5000);
  await Promise.all([reconciler().runOnce(), reconciler().runOnce(), reconciler().runOnce()]);
  const states = await Promise.all(calls.map((c) => jobState(c.callId)));
  expect(states.every((s) => s === "waiting")).toBe(true);
  const waiting = await queues.calls.getWaiting(0, 1000);
  for (const c of calls) expect(waiting.filter((j) => j.id === c.callId)).toHaveLength(1);
});

test("a deletion whose provider purge is not done and has no live job gets its purge job", async () => {
  const ctx = testContext(suite);
  const { callId } = await queueCall(suite.db.prisma, null, org);
  await dialCall(ctx, { callId, orgId: org.orgId }, new AbortController().signal);
  expect(await runToEnd(ctx, suite.db.prisma, callId)).toBe("completed");
  await eraseCall(suite.db.prisma, { callId, orgId: org.orgId });
  await suite.db.prisma
    .$executeRaw`UPDATE call_deletions SET requested_at = requested_at - interval '5 seconds' WHERE call_id = ${callId}`;
  expect((await reconciler(60_000).runOnce()).requeuedPurges).toEqual([]);
  expect((await reconciler(1000).runOnce()).requeuedPurges).toEqual([callId]);
  const job = await queues.purges.getJob(purgeJobId(callId));
  expect(job?.data).toEqual({ callId, orgId: org.orgId });
  expect(job?.opts.attempts).toBe(3);
  expect((await reconciler(1000).runOnce()).requeuedPurges).toEqual([]); // its job is live now
  await enqueuePurge(queues, { callId, orgId: org.orgId }, 3); // a duplicate add is ignored
  expect(await queues.purges.getJobCountByTypes("waiting")).toBe(1);
});

test("an idle live call is re-attached at the provider (its lost callbacks applied); one the provider never had gets its next attempt", async () => {
  const before = await credits(suite.db.prisma, org.orgId);
  const ctx = testContext(suite);
  // Placed at the provider, whose events were recorded but never applied (every dialer was down).
  const placed = await queueCall(suite.db.prisma, null, org, { number: NUMBERS.busy });
  expect((await dialCall(ctx, { callId: placed.callId, orgId: org.orgId }, new AbortController().signal)).kind).toBe("placed");
  await until(
    async () => {
      await (ctx.provider as SimulatedProvider).tick();
      return (await ctx.provider.getCall({ callId: placed.callId, attempt: 1 })).state === "ended";
    },
    10_000,
    10,
  );
  await suite.db.prisma.providerEvent.deleteMany({ where: { callId: placed.callId } }); // and then lost
  // Claimed by a dialer that died before placing it: the provider has no such call.
  const stuck = await queueCall(suite.db.prisma, null, org);
  await transitionCall(suite.db.prisma, { callId: stuck.callId, from: "queued", to: "dialing", incrementAttempts: true });
  await age(stuck.callId, 5000);
  await age(placed.callId, 5000);
  expect((await reconciler(60_000, 60_000).runOnce()).endedLostCalls).toEqual([]); // not idle long enough
  const report = await reconciler(60_000, 1000).runOnce();
  expect(report.endedLostCalls).toEqual([]);
  expect(report.unplacedRescheduled).toEqual([stuck.callId]);
  expect(report.reattachedCalls).toEqual([placed.callId]);
  // The simulated provider finds every dial by our reference: never placed, so attempt 2 is scheduled.
  expect(await callRow(suite.db.prisma, stuck.callId)).toMatchObject({ status: "dialing", retryPendingAt: expect.any(Date) });
  expect(await dialsOf(suite.db.prisma, stuck.callId)).toBe(0);
  expect(await callRow(suite.db.prisma, placed.callId)).toMatchObject({ status: "busy", endReason: "busy" });
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 1); // the busy one refunded; the other still to call
  expect(await dialsOf(suite.db.prisma, placed.callId)).toBe(1);
});

test("a call waiting for a transient retry whose delayed job is gone is enqueued again, not failed", async () => {
  const { callId } = await queueCall(suite.db.prisma, null, org, { number: NUMBERS.transientThenConnects });
  const ctx = testContext(suite, { backoffMs: 10 });
  expect((await dialCall(ctx, { callId, orgId: org.orgId }, new AbortController().signal)).kind).toBe("retry");
  await age(callId, 5000);
  const report = await reconciler(60_000, 1000).runOnce();
  expect(report.retriesRequeued).toEqual([callId]);
  expect(report.endedLostCalls).toEqual([]);
  expect(await jobState(callId)).toBe("waiting");
  await suite.db.prisma.call.update({ where: { id: callId }, data: { retryPendingAt: new Date(Date.now() - 1000) } });
  expect(await dialCall(ctx, { callId, orgId: org.orgId }, new AbortController().signal)).toEqual({
    kind: "placed",
    attempt: 2,
  });
  expect(await runToEnd(ctx, suite.db.prisma, callId)).toBe("completed");
  expect(await dialsOf(suite.db.prisma, callId)).toBe(2);
});

test("a call whose owner's heartbeat is fresh is left alone even with its job gone (a Redis blip); a stale owner's call is ended, Redis unread", async () => {
  const live = "dlr_test_live";
  const dead = "dlr_test_dead";
  await heartbeatDialer(suite.db.pool, live);
  await heartbeatDialer(suite.db.pool, dead);
  await suite.db.prisma.$executeRaw`UPDATE dialers SET heartbeat_at = now() - interval '1 hour' WHERE id = ${dead}`;
  const owned = async (owner: string) => {
    const { callId } = await queueCall(suite.db.prisma, null, org);
    await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing", incrementAttempts: true, ownerDialerId: owner });
    await transitionCall(suite.db.pool, { callId, from: "dialing", to: "ringing" });
    await age(callId, 5000);
    return callId;
  };
  const followed = await owned(live);
  const lost = await owned(dead);
  expect(await jobState(followed)).toBe("unknown"); // no job in Redis for either
  // A reconciler whose Redis is unreachable still judges owned calls by their owner's heartbeat.
  const deadRedis = createRedis({ url: "redis://127.0.0.1:1", timeoutMs: 200, role: "client" });
  try {
    const report = await createReconciler(testContext(suite), createQueues(deadRedis, suite.prefix), deadRedis, {
      afterMs: 60_000,
      stuckAfterMs: 1000,
      purgeMaxAttempts: 3,
    }).runOnce();
    expect(report.endedLostCalls).toEqual([lost]);
  } finally {
    deadRedis.disconnect();
  }
  expect(await callRow(suite.db.prisma, lost)).toMatchObject({ status: "failed", endReason: "dialer_lost" });
  expect(await callRow(suite.db.prisma, followed)).toMatchObject({ status: "ringing", ownerDialerId: live });
  expect((await reconciler(60_000, 1000).runOnce()).endedLostCalls).toEqual([]);
  expect(await callRow(suite.db.prisma, followed)).toMatchObject({ status: "ringing" });
});

test("expired Idempotency-Key records are swept (they hold a digest of a body with contact details); live ones stay", async () => {
  const record = (key: string, expiresInMs: number) =>
    suite.db.prisma.idempotencyRecord.create({
      data: {
        orgId: org.orgId,
        key,
        requestHash: "h",
        lockedUntil: new Date(),
        responseStatus: 201,
        responseBody: {},
        expiresAt: new Date(Date.now() + expiresInMs),
      },
    });
  await Promise.all([record("old-1", -60_000), record("old-2", -1_000), record("live", 3_600_000)]);
  const report = await reconciler().runOnce();
  expect(report.sweptIdempotencyRecords).toBeGreaterThanOrEqual(2);
  const left = await suite.db.prisma.idempotencyRecord.findMany({ where: { orgId: org.orgId }, select: { key: true } });
  expect(left.map((r) => r.key)).toEqual(["live"]);
});
