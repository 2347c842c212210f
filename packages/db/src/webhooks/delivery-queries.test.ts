import { SecretBox } from "@inbound/security";
import { createSuiteEnv, eventually, type SuiteEnv, startTcpProxy } from "@inbound/testing";
import { Client, Pool } from "pg";
import { createOrganization } from "../admin/organizations";
import { type AttemptRecord, claimDueMessages, recordAttempts } from "./delivery-queries";
import { changeEndpoint, insertEndpoint, insertTestMessage } from "./endpoints";

/** The delivery side's statements against a real Postgres: batch claims under the per-endpoint bound, batch recording. */
let suite: SuiteEnv;
const box = new SecretBox("0".repeat(64));
const LEASE_MS = 60_000;

beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

async function endpointWithMessages(count: number) {
  const orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 100, dailyQuota: 100 })).org_id;
  const endpointId = (await insertEndpoint(suite.db.pool, box, { orgId, url: "https://example.com/hook", eventTypes: [] }))!
    .endpoint.id;
  for (let i = 0; i < count; i++) await insertTestMessage(suite.db.pool, { endpointId });
  return endpointId;
}

const gone = (m: { id: string; handoff: number }): AttemptRecord => ({
  id: m.id,
  handoff: m.handoff,
  succeeded: false,
  statusCode: 410,
  latencyMs: 12,
  error: "http_status",
  gone: true,
  retryInMs: null,
});

test("concurrent claims never hold more than perEndpoint messages of one endpoint, nor one message twice", async () => {
  const endpointId = await endpointWithMessages(12);
  const claims = await Promise.all(
    Array.from({ length: 4 }, () => claimDueMessages(suite.db.pool, { perEndpoint: 5, limit: 100, leaseMs: LEASE_MS })),
  );
  const mine = claims.flat().filter((m) => m.endpointId === endpointId);
  expect(mine).toHaveLength(5);
  expect(new Set(mine.map((m) => m.id)).size).toBe(5);
  expect(mine.every((m) => m.handoff === 1 && m.attempts === 0 && m.sealedSecrets.length === 1)).toBe(true);
  // Recording releases the slots: the next claim takes as many more.
  await recordAttempts(
    suite.db.pool,
    mine.slice(0, 3).map((m) => ({ ...gone(m), statusCode: 204, error: null, gone: false, succeeded: true })),
    { disableAfterMs: 1000 },
  );
  const next = (await claimDueMessages(suite.db.pool, { perEndpoint: 5, limit: 100, leaseMs: LEASE_MS })).filter(
    (m) => m.endpointId === endpointId,
  );
  expect(next).toHaveLength(3);
});

test("410s recorded by concurrent statements: every attempt logged, the endpoint disabled once, its other messages failed", async () => {
  const endpointId = await endpointWithMessages(6);
  const claimed = (await claimDueMessages(suite.db.pool, { perEndpoint: 4, limit: 100, leaseMs: LEASE_MS })).filter(
    (m) => m.endpointId === endpointId,
  );
  expect(claimed).toHaveLength(4);
  // Two statements of two attempts each, at once (two processes, or two batches of one).
  const outcomes = (
    await Promise.all([
      recordAttempts(suite.db.pool, claimed.slice(0, 2).map(gone), { disableAfterMs: 1000 }),
      recordAttempts(suite.db.pool, claimed.slice(2).map(gone), { disableAfterMs: 1000 }),
    ])
  ).flat();
  expect(outcomes.every((o) => o.recorded && o.messageStatus === "failed")).toBe(true);
  expect(outcomes.filter((o) => o.disabledReason !== null).map((o) => o.disabledReason)).toEqual(["gone"]);
  const { rows: attempts } = await suite.db.pool.query<{ message_id: string; status_code: number }>(
    "SELECT message_id, status_code FROM webhook_attempts WHERE endpoint_id = $1",
    [endpointId],
  );
  expect(attempts.map((a) => a.message_id).sort()).toEqual(claimed.map((m) => m.id).sort());
  expect(attempts.every((a) => a.status_code === 410)).toBe(true);
  const { rows: endpoint } = await suite.db.pool.query("SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = $1", [
    endpointId,
  ]);
  expect(endpoint[0]).toEqual({ enabled: false, disabled_reason: "gone" });
  const { rows: messages } = await suite.db.pool.query<{ status: string; last_error: string }>(
    "SELECT status::text, last_error FROM webhook_messages WHERE endpoint_id = $1",
    [endpointId],
  );
  expect(messages.map((m) => m.status)).toEqual(Array(6).fill("failed"));
  expect(messages.filter((m) => m.last_error === "endpoint_disabled")).toHaveLength(2);
  // A manual disable while attempts are in flight: their attempts are still logged when they end.
  const other = await endpointWithMessages(2);
  const held = (await claimDueMessages(suite.db.pool, { perEndpoint: 4, limit: 100, leaseMs: LEASE_MS })).filter(
    (m) => m.endpointId === other,
  );
  expect(held).toHaveLength(2);
  await changeEndpoint(suite.db.pool, { endpointId: other, enabled: false });
  const late = await recordAttempts(
    suite.db.pool,
    held.map((m) => ({ ...gone(m), statusCode: 500, gone: false, retryInMs: 1000 })),
    {
      disableAfterMs: 1000,
    },
  );
  expect(late).toEqual(held.map(() => ({ recorded: true, messageStatus: "failed", disabledReason: null })));
  const { rows: logged } = await suite.db.pool.query("SELECT 1 FROM webhook_attempts WHERE endpoint_id = $1", [other]);
  expect(logged).toHaveLength(2);
  // A claim is recorded once (a second recording of it changes nothing); a superseded claim records nothing.
  expect(await recordAttempts(suite.db.pool, [gone(claimed[0]!)], { disableAfterMs: 1000 })).toEqual([
    { recorded: false, messageStatus: null, disabledReason: null },
  ]);
  expect(await recordAttempts(suite.db.pool, [{ ...gone(claimed[0]!), handoff: 7 }], { disableAfterMs: 1000 })).toEqual([
    { recorded: false, messageStatus: null, disabledReason: null },
  ]);
});

test("a connection lost while a claim waits: the claim fails (its caller retries), the process goes on", async () => {
  // The claim's connection goes through a proxy that resets it; the claim is made to wait for its advisory
  // lock first (held by another session), so the reset comes while its query is in flight.
  const proxy = await startTcpProxy(suite.databaseUrl);
  const pool = new Pool({ connectionString: proxy.url, max: 1, application_name: "claim-cut" });
  pool.on("error", () => undefined);
  const holder = new Client({ connectionString: suite.databaseUrl });
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock(2003331954)"); // CLAIM_LOCK, "whkr"
    const claim = claimDueMessages(pool, { perEndpoint: 10, limit: 10, leaseMs: LEASE_MS });
    const outcome = claim.then(
      () => "claimed",
      (error: Error) => error.message,
    );
    await eventually(async () => {
      const { rows } = await suite.db.pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'claim-cut' AND wait_event_type = 'Lock'",
      );
      return rows.length === 1;
    });
    proxy.drop();
    expect(await outcome).not.toBe("claimed");
  } finally {
    await holder.end();
    await pool.end();
    await proxy.close();
  }
});
