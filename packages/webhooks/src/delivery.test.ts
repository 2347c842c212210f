import { newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCall, eraseCall, transitionCall } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { Registry } from "prom-client";
import { createWebhookWorker, type WebhookWorker } from "./create-webhook-worker";
import {
  createEndpoint,
  deliveryLog,
  getEndpoint,
  recoverFailed,
  resend,
  rotateSecret,
  sendTestEvent,
} from "./endpoint-use-cases";
import { opensslSignature, startReceiver, until } from "./test-support/receiver";

let suite: SuiteEnv;
let worker: WebhookWorker;
const box = new SecretBox("0".repeat(64));
const ctx = () => ({ sql: suite.db.pool, box, policy: { allowInsecure: true } });

beforeAll(async () => {
  suite = await createSuiteEnv({
    WEBHOOK_ALLOW_INSECURE: "true",
    WEBHOOK_RETRY_SCHEDULE_MS: "0,100,200,300",
    WEBHOOK_RELAY_INTERVAL_MS: "50",
    WEBHOOK_TIMEOUT_MS: "1000",
    WEBHOOK_LEASE_MS: "3000",
    WEBHOOK_ENDPOINT_CONCURRENCY: "2",
    WEBHOOK_CONCURRENCY: "4",
  });
  worker = createWebhookWorker({
    config: suite.config,
    logger: createLogger({ level: "silent", name: "test" }),
    sql: suite.db.pool,
    registry: new Registry(),
  });
  await worker.start();
});
afterAll(async () => {
  await worker.stop();
  await suite.close();
});

async function newOrg() {
  const orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 1000, dailyQuota: 1000 })).org_id;
  const agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
  return { orgId, agentId };
}

async function queuedCall(orgId: string, agentId: string) {
  const callId = newId("call");
  await createQueuedCall(suite.db.pool, { callId, orgId, agentId, contactNumber: "+14155552671", contactName: "Ada", cost: 1 });
  return callId;
}

const messageStatuses = async (endpointId: string) =>
  (
    await suite.db.pool.query<{ status: string }>("SELECT status::text FROM webhook_messages WHERE endpoint_id = $1", [
      endpointId,
    ])
  ).rows.map((r) => r.status);

test("a call's whole lifecycle arrives as exactly its events, in sequence, each verified by standardwebhooks and by the openssl recipe", async () => {
  const { orgId, agentId } = await newOrg();
  let secret = "";
  const receiver = await startReceiver(() => [secret]);
  const endpoint = await createEndpoint(ctx(), { orgId, url: receiver.url });
  secret = endpoint.secret;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

  const callId = await queuedCall(orgId, agentId);
  await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing", incrementAttempts: true });
  await transitionCall(suite.db.pool, { callId, from: "dialing", to: "ringing" });
  await transitionCall(suite.db.pool, { callId, from: "ringing", to: "in_progress" });
  await transitionCall(suite.db.pool, {
    callId,
    from: "in_progress",
    to: "completed",
    engagement: { transcript: "secret words", recording: null, durationSeconds: 7 },
  });
  await eraseCall(suite.db.pool, { callId, orgId });

  await until("6 deliveries", () => receiver.received.length >= 6);
  const got = [...receiver.received].sort((a, b) => a.json.data.sequence - b.json.data.sequence);
  expect(got.map((r) => [r.json.type, r.json.data.sequence])).toEqual([
    ["call.queued", 1],
    ["call.dialing", 2],
    ["call.ringing", 3],
    ["call.in_progress", 4],
    ["call.completed", 5],
    ["call.deleted", 6],
  ]);
  expect(new Set(got.map((r) => r.id)).size).toBe(6);
  for (const r of got) {
    expect(r.verifiedWith).toEqual([secret]);
    expect(r.signature).toBe(opensslSignature(secret, r.id, r.timestamp, r.body));
    expect(r.body).not.toMatch(/4155552671|Ada|secret words/);
    expect(Object.keys(r.json.data)).toEqual([
      "call_id",
      "status",
      "previous_status",
      "agent_id",
      "attempt",
      "end_reason",
      "duration_seconds",
      "sequence",
    ]);
  }
  // Nothing more than once, and the delivery log has every attempt.
  await until("all delivered", async () => (await messageStatuses(endpoint.id)).every((s) => s === "delivered"));
  expect(receiver.requests()).toBe(6);
  const log = await deliveryLog(ctx(), { endpointId: endpoint.id });
  expect(log.attempts).toHaveLength(6);
  expect(log.attempts.every((a) => a.succeeded && a.status_code === 204 && a.error === null)).toBe(true);
  await receiver.close();
});

test("a receiver answering 500 for a while gets everything by retries alone once it is back", async () => {
  const { orgId, agentId } = await newOrg();
  let secret = "";
  // The first 10 requests fail (two attempts of each of the 5 events), then it is healthy again.
  const receiver = await startReceiver(
    () => [secret],
    ({ count }) => ({ status: count <= 10 ? 500 : 200 }),
  );
  const endpoint = await createEndpoint(ctx(), { orgId, url: receiver.url, eventTypes: ["call.queued"] });
  secret = endpoint.secret;
  const calls = await Promise.all(Array.from({ length: 5 }, () => queuedCall(orgId, agentId)));
  await until("all delivered", async () => (await messageStatuses(endpoint.id)).every((s) => s === "delivered"));
  expect(new Set(receiver.received.map((r) => r.json.data.call_id))).toEqual(new Set(calls));
  expect(receiver.received).toHaveLength(5);
  expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
  const log = await deliveryLog(ctx(), { endpointId: endpoint.id, limit: 1000 });
  expect(log.attempts.filter((a) => a.status_code === 500 && a.error === "http_status")).toHaveLength(10);
  expect(log.attempts.filter((a) => a.succeeded)).toHaveLength(5);
  // Resend one: the same webhook-id again.
  const first = receiver.received[0]!;
  const message = log.messages.find((m) => m.event_id === first.id)!;
  await resend(ctx(), { messageId: message.id });
  await until("resent", () => receiver.received.filter((r) => r.id === first.id).length === 2);
  await receiver.close();
});

test("a receiver gone longer than the schedule: its messages fail, and `recover` delivers them all once it is back", async () => {
  const { orgId, agentId } = await newOrg();
  let secret = "";
  const gone = await startReceiver(() => []);
  const url = gone.url;
  await gone.close(); // nothing listens: connection refused
  const endpoint = await createEndpoint(ctx(), { orgId, url, eventTypes: ["call.queued"] });
  secret = endpoint.secret;
  const calls = await Promise.all(Array.from({ length: 5 }, () => queuedCall(orgId, agentId)));
  await until("all failed", async () => (await messageStatuses(endpoint.id)).every((s) => s === "failed"));
  const log = await deliveryLog(ctx(), { endpointId: endpoint.id, limit: 1000 });
  expect(log.attempts).toHaveLength(20); // 4 attempts each (WEBHOOK_RETRY_SCHEDULE_MS has 4 entries)
  expect(log.attempts.every((a) => a.error === "connection_refused" && a.status_code === null)).toBe(true);
  expect((await getEndpoint(ctx(), { endpointId: endpoint.id })).failing_since).not.toBeNull();

  const back = await startReceiver(() => [secret]);
  await suite.db.pool.query("UPDATE webhook_endpoints SET url = $2 WHERE id = $1", [endpoint.id, back.url]);
  expect(await recoverFailed(ctx(), { endpointId: endpoint.id, since: new Date(Date.now() - 60_000) })).toEqual({
    endpoint_id: endpoint.id,
    recovered: 5,
  });
  await until("all delivered", async () => (await messageStatuses(endpoint.id)).every((s) => s === "delivered"));
  expect(new Set(back.received.map((r) => r.json.data.call_id))).toEqual(new Set(calls));
  expect((await getEndpoint(ctx(), { endpointId: endpoint.id })).failing_since).toBeNull();
  await back.close();
});

test("410 Gone disables the endpoint, with the reason, and nothing more is sent to it", async () => {
  const { orgId, agentId } = await newOrg();
  const receiver = await startReceiver(
    () => [],
    () => ({ status: 410 }),
  );
  const endpoint = await createEndpoint(ctx(), { orgId, url: receiver.url });
  await queuedCall(orgId, agentId);
  await until("disabled", async () => !(await getEndpoint(ctx(), { endpointId: endpoint.id })).enabled);
  const after = await getEndpoint(ctx(), { endpointId: endpoint.id });
  expect(after).toMatchObject({ enabled: false, disabled_reason: "gone" });
  await queuedCall(orgId, agentId);
  await sendTestEvent(ctx(), { endpointId: endpoint.id });
  await worker.relay();
  expect(receiver.requests()).toBe(1);
  expect(await messageStatuses(endpoint.id)).toEqual(["failed", "pending"]);
  await receiver.close();
});

test("a slow endpoint does not delay a fast one", async () => {
  const { orgId, agentId } = await newOrg();
  const slow = await startReceiver(
    () => [],
    () => ({ status: 200, delayMs: 5000 }),
  ); // beyond the 1 s timeout
  const fast = await startReceiver(() => []);
  const slowEndpoint = await createEndpoint(ctx(), { orgId, url: slow.url });
  await createEndpoint(ctx(), { orgId, url: fast.url });
  const started = Date.now();
  await Promise.all(Array.from({ length: 30 }, () => queuedCall(orgId, agentId)));
  await until("30 fast deliveries", () => fast.received.length === 30, 10_000);
  const fastMs = Date.now() - started;
  // 4 delivery slots: without a per-endpoint bound the slow endpoint's 30 one-second timeouts would hold all of
  // them (≥ 7 s before the fast one is served); with it, the slow one holds 2 and the fast one is not held up
  // (well under a second on an idle machine; the bound leaves room for a loaded one).
  expect(fastMs).toBeLessThan(5000);
  expect(slow.requests()).toBeLessThanOrEqual(12);
  expect((await messageStatuses(slowEndpoint.id)).filter((s) => s === "pending").length).toBeGreaterThan(10);
  await slow.close();
  await fast.close();
});

test("a slow endpoint does not delay a fast one on the same host (connections are not capped per host at the endpoint bound)", async () => {
  const { orgId, agentId } = await newOrg();
  const host = await startReceiver(
    () => [],
    ({ path }) => (path === "/slow" ? { status: 200, delayMs: 5000 } : { status: 200 }),
  );
  const base = host.url.replace(/\/hooks$/, "");
  await createEndpoint(ctx(), { orgId, url: `${base}/slow` });
  await createEndpoint(ctx(), { orgId, url: `${base}/fast` });
  const started = Date.now();
  await Promise.all(Array.from({ length: 30 }, () => queuedCall(orgId, agentId)));
  // Both endpoints share 127.0.0.1:port. Were sockets capped per host at WEBHOOK_ENDPOINT_CONCURRENCY (2), the
  // slow endpoint's two held requests would take both and the fast one would wait for each 1 s timeout.
  await until("30 fast deliveries", () => host.received.length === 30, 10_000);
  expect(Date.now() - started).toBeLessThan(5000); // ≥ 7 s if the slow endpoint held every socket to the host
  await host.close();
});

test("during a rotation's grace period both secrets sign; after it only the new one", async () => {
  const { orgId } = await newOrg();
  const secrets: string[] = [];
  const receiver = await startReceiver(() => secrets);
  const endpoint = await createEndpoint(ctx(), { orgId, url: receiver.url });
  secrets.push(endpoint.secret);
  const rotated = await rotateSecret(ctx(), { endpointId: endpoint.id, graceMinutes: 60 });
  secrets.push(rotated.secret);
  await sendTestEvent(ctx(), { endpointId: endpoint.id });
  await until("test event", () => receiver.received.length === 1);
  const r = receiver.received[0]!;
  expect(r.json).toMatchObject({ type: "webhook.test", data: { endpoint_id: endpoint.id } });
  expect(r.signature.split(" ")).toHaveLength(2);
  expect(r.verifiedWith.sort()).toEqual([...secrets].sort());
  const again = await rotateSecret(ctx(), { endpointId: endpoint.id, graceMinutes: 0 });
  secrets.push(again.secret);
  await sendTestEvent(ctx(), { endpointId: endpoint.id });
  await until("second test event", () => receiver.received.length === 2);
  expect(receiver.received[1]!.verifiedWith).toEqual([again.secret]);
  await receiver.close();
});
