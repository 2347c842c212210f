import { newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCall, eraseCall } from "@inbound/db";
import { createQueues, createRedis, enqueueCall, type Queues } from "@inbound/queue";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, eventually, type ServiceProcess, startProcess, type SuiteEnv } from "@inbound/testing";
import { createEndpoint } from "@inbound/webhooks";
import type { Redis } from "ioredis";
import { type Received, startReceiver } from "../../../packages/webhooks/src/test-support/receiver";

/**
 * Status webhooks delivered by real dialer processes (the worker runs inside the dialer by default), to real
 * loopback receivers that verify every delivery with `standardwebhooks`.
 */
let suite: SuiteEnv;
let redis: Redis;
let queues: Queues;
const started: ServiceProcess[] = [];
const box = new SecretBox("0".repeat(64));

/** Attempts time out after 2 s; a claimed message whose process died is handed over 2 + 2.5 s later. */
const WEBHOOKS = {
  WEBHOOK_ALLOW_INSECURE: "true",
  WEBHOOK_RELAY_INTERVAL_MS: "50",
  WEBHOOK_TIMEOUT_MS: "2000",
  WEBHOOK_LEASE_MS: "2500",
  WEBHOOK_RETRY_SCHEDULE_MS: "0,100,100,100,100,100,100,100",
};

beforeAll(async () => {
  suite = await createSuiteEnv(WEBHOOKS);
  redis = createRedis({ url: suite.redisUrl, timeoutMs: 5000, role: "client" });
  queues = createQueues(redis, suite.prefix);
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop("SIGKILL")));
  await queues?.close();
  await redis?.quit();
  await suite?.close();
});

async function dialer(): Promise<ServiceProcess> {
  const proc = startProcess("services/dialer/src/main.ts", { ...suite.env, LOG_LEVEL: "info" });
  started.push(proc);
  await proc.waitFor(/"msg":"dialer ready"/, 60_000);
  return proc;
}

async function newOrg() {
  const orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 100, dailyQuota: 100 })).org_id;
  const agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
  return { orgId, agentId };
}

/** What the ingress does on call.create: the call (and its outbox rows) in one statement, then the job. */
async function queueCall(orgId: string, agentId: string): Promise<string> {
  const callId = newId("call");
  await createQueuedCall(suite.db.pool, {
    callId,
    orgId,
    agentId,
    contactNumber: "+14155552671", // the simulated provider's "answers" number
    contactName: "Priya Sharma",
    contactEmail: "priya@example.com",
    additionalInfo: { order_id: "A-1042" },
    cost: 1,
  });
  await enqueueCall(queues, { callId, orgId });
  return callId;
}

const callStatus = async (callId: string) =>
  (await suite.db.pool.query<{ status: string }>("SELECT status::text FROM calls WHERE id = $1", [callId])).rows[0]?.status;

/** The call's status-changing events as recorded with its transitions: what its webhooks must say. */
const recordedPath = async (callId: string) =>
  (
    await suite.db.pool.query<{ to_status: string }>(
      "SELECT to_status::text FROM call_events WHERE call_id = $1 AND from_status IS DISTINCT FROM to_status ORDER BY id",
      [callId],
    )
  ).rows.map((r) => `call.${r.to_status}`);

const messageCounts = async (orgId: string) =>
  (
    await suite.db.pool.query<{ total: number; delivered: number }>(
      "SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'delivered')::int AS delivered FROM webhook_messages WHERE org_id = $1",
      [orgId],
    )
  ).rows[0]!;

/** One call's deliveries, once per webhook-id (delivery is at least once), in `sequence` order. */
const byCall = (received: Received[], callId: string) =>
  [...new Map(received.filter((r) => r.json.data.call_id === callId).map((r) => [r.id, r])).values()].sort(
    (a, b) => a.json.data.sequence - b.json.data.sequence,
  );

test("a call through a real dialer, queued to deleted, arrives as exactly its events, in sequence, each verified by standardwebhooks", async () => {
  const { orgId, agentId } = await newOrg();
  let secret = "";
  const receiver = await startReceiver(() => [secret]);
  secret = (await createEndpoint({ sql: suite.db.pool, box, policy: { allowInsecure: true } }, { orgId, url: receiver.url }))
    .secret;
  const proc = await dialer();
  try {
    const callId = await queueCall(orgId, agentId);
    await eventually(async () => (await callStatus(callId)) === "completed", 30_000);
    // The ingress's call.delete statement (no call_events row: deletion is not a status).
    expect(await eraseCall(suite.db.pool, { callId, orgId })).toMatchObject({ deleted: true });
    const path = [...(await recordedPath(callId)), "call.deleted"];
    expect(path).toEqual(["call.queued", "call.dialing", "call.ringing", "call.in_progress", "call.completed", "call.deleted"]);

    await eventually(async () => {
      const { total, delivered } = await messageCounts(orgId);
      return total === path.length && delivered === total;
    }, 30_000);
    const got = byCall(receiver.received, callId);
    expect(got.map((r) => r.json.type)).toEqual(path);
    expect(got.map((r) => r.json.data.sequence)).toEqual(path.map((_, i) => i + 1));
    expect(got.map((r) => r.json.data.previous_status)).toEqual([null, ...path.slice(0, -1).map((t) => t.slice(5))]);
    expect(receiver.requests()).toBe(path.length); // each exactly once: no duplicate, no extra
    expect(new Set(got.map((r) => r.id)).size).toBe(path.length);
    for (const r of got) {
      expect(r.verifiedWith).toEqual([secret]);
      expect(r.body).not.toMatch(/4155552671|Priya|priya@|A-1042/);
    }
    expect(got.find((r) => r.json.type === "call.completed")!.json.data).toMatchObject({ status: "completed", attempt: 1 });
  } finally {
    expect((await proc.stop("SIGTERM")).code).toBe(0);
    await receiver.close();
  }
}, 120_000);

test("a dialer SIGKILLed with deliveries in flight loses nothing: another dialer delivers every event after the lease", async () => {
  const { orgId, agentId } = await newOrg();
  let secret = "";
  let killed = false;
  // Until the first dialer is killed the receiver holds every request open: those attempts are mid-delivery.
  const receiver = await startReceiver(
    () => [secret],
    () => (killed ? { status: 200 } : { status: 200, delayMs: 60_000 }),
  );
  secret = (await createEndpoint({ sql: suite.db.pool, box, policy: { allowInsecure: true } }, { orgId, url: receiver.url }))
    .secret;
  const victim = await dialer();
  const calls = [await queueCall(orgId, agentId), await queueCall(orgId, agentId), await queueCall(orgId, agentId)];
  await eventually(async () => (await Promise.all(calls.map(callStatus))).every((s) => s === "completed"), 30_000);
  await eventually(() => receiver.requests() >= 3, 30_000);
  expect(receiver.received).toHaveLength(0); // nothing answered yet
  victim.child.kill("SIGKILL");
  expect((await victim.exited).signal).toBe("SIGKILL");
  killed = true;
  const { total } = await messageCounts(orgId);
  expect(total).toBe(15); // 5 events × 3 calls, committed with the transitions

  const survivor = await dialer();
  try {
    await eventually(async () => (await messageCounts(orgId)).delivered === total, 45_000);
    const { rows } = await suite.db.pool.query<{ event_id: string }>("SELECT event_id FROM webhook_messages WHERE org_id = $1", [
      orgId,
    ]);
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set(rows.map((r) => r.event_id)));
    for (const callId of calls) {
      const got = byCall(receiver.received, callId);
      expect(got.map((r) => r.json.type)).toEqual(await recordedPath(callId));
      expect(got.map((r) => r.json.data.sequence)).toEqual([1, 2, 3, 4, 5]);
    }
    expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
  } finally {
    expect((await survivor.stop("SIGTERM")).code).toBe(0);
    await receiver.close();
  }
}, 150_000);
