import { newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCall } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { Registry } from "prom-client";
import { createWebhookWorker, type WebhookWorker } from "./create-webhook-worker";
import { createEndpoint, deliveryLog, getEndpoint } from "./endpoint-use-cases";
import { sweepOnce } from "./sweeper";
import { startReceiver, until } from "./test-support/receiver";

/** Operating the delivery side: disabling endpoints that keep failing, the metrics, the retention sweeper. */
let suite: SuiteEnv;
let worker: WebhookWorker;
const registry = new Registry();
const box = new SecretBox("0".repeat(64));
const ctx = () => ({ sql: suite.db.pool, box, policy: { allowInsecure: true } });
const DAY_MS = 24 * 3600 * 1000;
/** The configured WEBHOOK_DISABLE_AFTER_MS: 5 days, as in production. */
const DISABLE_AFTER_MS = 5 * DAY_MS;

beforeAll(async () => {
  suite = await createSuiteEnv({
    WEBHOOK_ALLOW_INSECURE: "true",
    WEBHOOK_RETRY_SCHEDULE_MS: "0,100,200,300",
    WEBHOOK_RELAY_INTERVAL_MS: "50",
    WEBHOOK_TIMEOUT_MS: "1000",
    WEBHOOK_LEASE_MS: "3000",
    WEBHOOK_DISABLE_AFTER_MS: String(DISABLE_AFTER_MS),
  });
  worker = createWebhookWorker({
    config: suite.config,
    logger: createLogger({ level: "silent", name: "test" }),
    sql: suite.db.pool,
    registry,
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
  await createQueuedCall(suite.db.pool, { callId, orgId, agentId, contactNumber: "+14155552671", cost: 1 });
  return callId;
}

const messages = async (endpointId: string) =>
  (
    await suite.db.pool.query<{ id: string; status: string; last_error: string | null }>(
      "SELECT id, status::text, last_error FROM webhook_messages WHERE endpoint_id = $1 ORDER BY created_at, id",
      [endpointId],
    )
  ).rows;

const pendingCount = async () =>
  (await suite.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_messages WHERE status = 'pending'")).rows[0]!
    .n;

/** The value of one sample of the registry's text output (0 when absent). */
async function sample(name: string, labels = ""): Promise<number> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

test("an endpoint failing every attempt for WEBHOOK_DISABLE_AFTER_MS is disabled (failing), its reason visible; a success in time clears the clock", async () => {
  const { orgId, agentId } = await newOrg();
  const broken = await startReceiver(
    () => [],
    () => ({ status: 500 }),
  );
  const healed = await startReceiver(() => []);
  const failing = await createEndpoint(ctx(), { orgId, url: broken.url, eventTypes: ["call.queued"] });
  const recovering = await createEndpoint(ctx(), { orgId, url: healed.url, eventTypes: ["call.queued"] });
  const young = await createEndpoint(ctx(), { orgId, url: broken.url, eventTypes: ["call.queued"] });
  // failing and recovering have failed every attempt for 5 days and a minute; young for just under 5 days.
  await suite.db.pool.query(
    `UPDATE webhook_endpoints SET failing_since = now() - make_interval(secs => $2::float8 / 1000) WHERE id = ANY($1)`,
    [[failing.id, recovering.id], DISABLE_AFTER_MS + 60_000],
  );
  await suite.db.pool.query(
    `UPDATE webhook_endpoints SET failing_since = now() - make_interval(secs => $2::float8 / 1000) WHERE id = $1`,
    [young.id, DISABLE_AFTER_MS - 3_600_000],
  );
  const disabledBefore = await sample("webhook_endpoints_disabled_total", '{reason="failing"}');
  await queuedCall(orgId, agentId);

  await until("failing endpoint disabled", async () => !(await getEndpoint(ctx(), { endpointId: failing.id })).enabled);
  const after = await getEndpoint(ctx(), { endpointId: failing.id });
  expect(after).toMatchObject({ enabled: false, disabled_reason: "failing", disabled_at: expect.any(String) });
  // One attempt only: it found the endpoint past the limit; the log shows why.
  const log = await deliveryLog(ctx(), { endpointId: failing.id });
  expect(log.attempts).toHaveLength(1);
  expect(log.attempts[0]).toMatchObject({ succeeded: false, status_code: 500, error: "http_status" });
  expect(await messages(failing.id)).toEqual([expect.objectContaining({ status: "failed" })]);
  expect(await sample("webhook_endpoints_disabled_total", '{reason="failing"}')).toBe(disabledBefore + 1);

  // The one that answered 2xx is not disabled and its clock is cleared; the young one fails all its attempts
  // (the schedule has 4) and stays enabled.
  await until("young endpoint's message failed", async () => (await messages(young.id))[0]?.status === "failed");
  expect(await getEndpoint(ctx(), { endpointId: recovering.id })).toMatchObject({ enabled: true, failing_since: null });
  expect(await getEndpoint(ctx(), { endpointId: young.id })).toMatchObject({ enabled: true, disabled_reason: null });
  expect((await deliveryLog(ctx(), { endpointId: young.id })).attempts).toHaveLength(4);

  // Later events of the disabled endpoint are not even written; the others still get theirs.
  await queuedCall(orgId, agentId);
  await until("second delivery to the healed endpoint", () => healed.received.length === 2);
  expect(await messages(failing.id)).toHaveLength(1);
  await until("young endpoint's second message failed", async () =>
    (await messages(young.id)).every((m) => m.status === "failed"),
  );
  await broken.close();
  await healed.close();
});

test("several 410 answers at once (messages in flight together): every attempt is in the delivery log, the endpoint is disabled once", async () => {
  const { orgId, agentId } = await newOrg();
  const inFlight = 4;
  // The receiver holds every request until all four are in flight, then answers 410 to each of them.
  let arrived = 0;
  let releaseAll: () => void = () => undefined;
  const allArrived = new Promise<void>((resolve) => {
    releaseAll = resolve;
  });
  const receiver = await startReceiver(
    () => [],
    () => {
      arrived += 1;
      if (arrived >= inFlight) releaseAll();
      return { status: 410, after: allArrived };
    },
  );
  const endpoint = await createEndpoint(ctx(), { orgId, url: receiver.url, eventTypes: ["call.queued"] });
  const disabledBefore = await sample("webhook_endpoints_disabled_total", '{reason="gone"}');
  const goneBefore = await sample("webhook_deliveries_total", '{outcome="gone"}');
  for (let i = 0; i < inFlight; i++) await queuedCall(orgId, agentId);

  await until(
    "four attempts logged",
    async () => (await deliveryLog(ctx(), { endpointId: endpoint.id })).attempts.length >= inFlight,
  );
  expect(receiver.requests()).toBe(inFlight);
  const log = await deliveryLog(ctx(), { endpointId: endpoint.id });
  expect(log.attempts).toHaveLength(inFlight);
  expect(log.attempts.every((a) => !a.succeeded && a.status_code === 410 && a.attempt === 1)).toBe(true);
  expect(new Set(log.attempts.map((a) => a.message_id)).size).toBe(inFlight);
  expect(await getEndpoint(ctx(), { endpointId: endpoint.id })).toMatchObject({ enabled: false, disabled_reason: "gone" });
  expect((await messages(endpoint.id)).map((m) => m.status)).toEqual(Array(inFlight).fill("failed"));
  expect(await sample("webhook_endpoints_disabled_total", '{reason="gone"}')).toBe(disabledBefore + 1);
  expect(await sample("webhook_deliveries_total", '{outcome="gone"}')).toBe(goneBefore + inFlight);
  await receiver.close();
});

test("/metrics: deliveries by outcome, attempt latency, messages waiting and endpoints disabled", async () => {
  const { orgId, agentId } = await newOrg();
  // Counters are compared before/after: nothing of an earlier test may still be in motion.
  await until("no message in motion", async () => (await pendingCount()) === 0);
  const before = {
    delivered: await sample("webhook_deliveries_total", '{outcome="delivered"}'),
    retry: await sample("webhook_deliveries_total", '{outcome="retry"}'),
    gone: await sample("webhook_deliveries_total", '{outcome="gone"}'),
    deliveredSeconds: await sample("webhook_attempt_duration_seconds_count", '{outcome="delivered"}'),
    fastBucket: await sample("webhook_attempt_duration_seconds_bucket", '{le="0.1",outcome="delivered"}'),
    allBucket: await sample("webhook_attempt_duration_seconds_bucket", '{le="+Inf",outcome="delivered"}'),
    disabledGone: await sample("webhook_endpoints_disabled_total", '{reason="gone"}'),
  };
  // Each of 3 events fails once (500), then is delivered; the slow path answers after 300 ms.
  const flaky = await startReceiver(
    () => [],
    ({ count }) => (count <= 3 ? { status: 500 } : { status: 200, delayMs: 300 }),
  );
  const gone = await startReceiver(
    () => [],
    () => ({ status: 410 }),
  );
  const flakyEndpoint = await createEndpoint(ctx(), { orgId, url: flaky.url, eventTypes: ["call.queued"] });
  const goneEndpoint = await createEndpoint(ctx(), { orgId, url: gone.url, eventTypes: ["call.queued"] });
  for (let i = 0; i < 3; i++) await queuedCall(orgId, agentId);
  await until("3 delivered", async () => (await messages(flakyEndpoint.id)).every((m) => m.status === "delivered"));
  await until("gone disabled", async () => !(await getEndpoint(ctx(), { endpointId: goneEndpoint.id })).enabled);

  expect(await sample("webhook_deliveries_total", '{outcome="delivered"}')).toBe(before.delivered + 3);
  expect(await sample("webhook_deliveries_total", '{outcome="retry"}')).toBe(before.retry + 3);
  // Several attempts may meet the 410 at once (in flight together); the endpoint is disabled once.
  const goneAttempts = (await deliveryLog(ctx(), { endpointId: goneEndpoint.id })).attempts.filter((a) => a.status_code === 410);
  expect(goneAttempts.length).toBeGreaterThanOrEqual(1);
  expect(goneAttempts.length).toBeLessThanOrEqual(3);
  // Every attempt that met the 410 is logged and counted, the ones in flight beside the first included.
  expect((await sample("webhook_deliveries_total", '{outcome="gone"}')) - before.gone).toBe(goneAttempts.length);
  expect(await sample("webhook_endpoints_disabled_total", '{reason="gone"}')).toBe(before.disabledGone + 1);
  // Latency: the three deliveries took ≥ 300 ms each, so none is in the ≤ 0.1 s bucket.
  expect(await sample("webhook_attempt_duration_seconds_count", '{outcome="delivered"}')).toBe(before.deliveredSeconds + 3);
  expect(await sample("webhook_attempt_duration_seconds_bucket", '{le="+Inf",outcome="delivered"}')).toBe(before.allBucket + 3);
  expect(await sample("webhook_attempt_duration_seconds_bucket", '{le="0.1",outcome="delivered"}')).toBe(before.fastBucket);
  expect(await sample("webhook_attempt_duration_seconds_sum", '{outcome="delivered"}')).toBeGreaterThanOrEqual(0.9);

  // Waiting: 4 messages of a new endpoint scheduled for a retry in an hour (nothing else moves any more).
  const later = await startReceiver(() => []);
  const laterEndpoint = await createEndpoint(ctx(), { orgId, url: later.url, eventTypes: ["call.canceled"] });
  await suite.db.pool.query(
    `INSERT INTO webhook_messages (id, event_id, endpoint_id, org_id, event_type, payload, attempts, next_attempt_at)
     SELECT 'msg_test_' || g, 'evt_test_' || g, $1, $2, 'call.canceled', '{}'::jsonb, 1, now() + interval '1 hour'
     FROM generate_series(1, 4) g`,
    [laterEndpoint.id, orgId],
  );
  const { rows } = await suite.db.pool.query<{ pending: number; disabled: number }>(
    `SELECT (SELECT count(*) FROM webhook_messages WHERE status = 'pending')::int AS pending,
       (SELECT count(*) FROM webhook_endpoints WHERE NOT enabled)::int AS disabled`,
  );
  expect(rows[0]!.pending).toBeGreaterThanOrEqual(4);
  expect(rows[0]!.disabled).toBeGreaterThanOrEqual(1);
  await until("gauges read from Postgres", async () => (await sample("webhook_messages_pending")) === rows[0]!.pending, 2000);
  expect(await sample("webhook_endpoints_disabled")).toBe(rows[0]!.disabled);
  expect(later.requests()).toBe(0);
  for (const r of [flaky, gone, later]) await r.close();
});

test("the retention sweeper deletes attempts and finished messages older than WEBHOOK_RETENTION_DAYS, and nothing else", async () => {
  const { orgId, agentId } = await newOrg();
  const receiver = await startReceiver(() => []);
  const endpoint = await createEndpoint(ctx(), { orgId, url: receiver.url, eventTypes: ["call.queued"] });
  for (let i = 0; i < 4; i++) await queuedCall(orgId, agentId);
  await until("4 delivered", async () => (await messages(endpoint.id)).filter((m) => m.status === "delivered").length === 4);
  const [oldDelivered, oldFailed, oldPending, recent] = (await messages(endpoint.id)).map((m) => m.id);
  const age = (days: number) => `now() - interval '${days} days'`;
  // Two finished messages (and their attempts) 31 days old, one still pending at 31 days (a retry far off,
  // e.g. an endpoint recovered late), and a recent message whose attempt is 29 days old.
  await suite.db.pool.query(`UPDATE webhook_messages SET created_at = ${age(31)} WHERE id = ANY($1)`, [
    [oldDelivered, oldFailed, oldPending],
  ]);
  await suite.db.pool.query(`UPDATE webhook_messages SET status = 'failed' WHERE id = $1`, [oldFailed]);
  await suite.db.pool.query(
    `UPDATE webhook_messages SET status = 'pending', next_attempt_at = now() + interval '1 day' WHERE id = $1`,
    [oldPending],
  );
  await suite.db.pool.query(`UPDATE webhook_attempts SET at = ${age(31)} WHERE message_id = ANY($1)`, [
    [oldDelivered, oldFailed],
  ]);
  await suite.db.pool.query(`UPDATE webhook_attempts SET at = ${age(29)} WHERE message_id = $1`, [recent]);

  expect(await sweepOnce(suite.db.pool, suite.config.WEBHOOK_RETENTION_DAYS)).toBe(4); // 2 messages + 2 attempts
  expect((await messages(endpoint.id)).map((m) => m.id).sort()).toEqual([oldPending, recent].sort());
  const { rows } = await suite.db.pool.query<{ message_id: string }>(
    "SELECT message_id FROM webhook_attempts WHERE endpoint_id = $1 ORDER BY message_id",
    [endpoint.id],
  );
  expect(rows.map((r) => r.message_id).sort()).toEqual([oldPending, recent].sort());
  expect(await sweepOnce(suite.db.pool, suite.config.WEBHOOK_RETENTION_DAYS)).toBe(0);
  await receiver.close();
});
