import type { Pool } from "pg";
import { runSql, type SqlClient } from "../calls/run-sql";

/** Claims run one at a time across all processes (a transaction-scoped advisory lock, waited for). */
const CLAIM_LOCK = 0x77686b72; // "whkr"

/** A claimed message: what its delivery attempt needs. secrets: the endpoint's valid sealed secrets, newest first. */
export interface ClaimedMessage {
  id: string;
  /** The claim: the message's handoffs after this claim. Only this claim's attempt is recorded (recordAttempts). */
  handoff: number;
  eventId: string;
  eventType: string;
  endpointId: string;
  orgId: string;
  url: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Attempts made before this one. */
  attempts: number;
  sealedSecrets: string[];
}

/**
 * Claims up to `limit` due messages for delivery attempts in ONE statement: for each enabled endpoint (in
 * random order, so no endpoint is always served last), its pending messages whose next attempt is due and
 * that no claim holds (no lease, or a lease that ran out: its process died), oldest first, at most
 * `perEndpoint` held at once per endpoint (counting those already held by any process), FOR UPDATE SKIP
 * LOCKED. Each gets handoffs + 1 (the claim) and a lease of leaseMs, which must cover the attempt and its
 * recording: a process lost after this statement only delays its messages until their leases run out, then
 * they are claimed again (at least once). The statement runs in a transaction behind an advisory lock taken
 * first, so claims of all processes are serialized and each sees the leases of the ones before it: the
 * per-endpoint bound holds across processes. The URL and valid secrets are read once per endpoint.
 */
export async function claimDueMessages(
  pool: Pool,
  input: { perEndpoint: number; limit: number; leaseMs: number },
): Promise<ClaimedMessage[]> {
  const int = (value: number, name: string) => {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
    return value;
  };
  // One round trip: the lock, the claim and the commit in one simple-protocol query (its numbers inlined,
  // checked integers). Each statement of it takes its own snapshot, so the claim sees every claim committed
  // before the lock was granted. A claim lost in a Postgres crash (its commit not yet flushed) only makes its
  // messages claimable again, which at least once allows: the commit does not wait for its WAL flush.
  const text = `BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock(${CLAIM_LOCK});
${claimSql(int(input.perEndpoint, "perEndpoint"), int(input.limit, "limit"), int(Math.round(input.leaseMs), "leaseMs"))};
COMMIT`;
  const client = await pool.connect();
  // A checked-out client reports a lost connection as an 'error' event as well as by failing its query; the
  // pool listens only to idle clients, and an event without a listener would end the process.
  const lost = () => undefined;
  client.on("error", lost);
  let rows: ClaimRow[];
  try {
    const results = (await client.query(text)) as unknown as { rows: ClaimRow[] }[];
    rows = results[3]?.rows ?? [];
  } catch (error) {
    // The transaction block may be left open (aborted): end it before the connection goes back to the pool.
    const broken = await client.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    if (!broken) client.off("error", lost); // a broken one is destroyed: it keeps the listener to the end
    client.release(broken ? (error as Error) : undefined);
    throw error;
  }
  client.off("error", lost);
  client.release();
  return rows.map((row) => ({
    id: row.id,
    handoff: row.handoffs,
    eventId: row.event_id,
    eventType: row.event_type,
    endpointId: row.endpoint_id,
    orgId: row.org_id,
    url: row.url,
    payload: row.payload,
    attempts: row.attempts,
    sealedSecrets: row.secrets ?? [],
  }));
}

interface ClaimRow {
  id: string;
  handoffs: number;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  org_id: string;
  url: string;
  payload: ClaimedMessage["payload"];
  attempts: number;
  secrets: string[] | null;
}

/** The claim statement, for checked integers. */
const claimSql = (perEndpoint: number, limit: number, leaseMs: number) => `WITH slots AS MATERIALIZED (
  SELECT e.id, ${perEndpoint}::int - (SELECT count(*)::int FROM webhook_messages f
    WHERE f.endpoint_id = e.id AND f.status = 'pending' AND f.lease_until > now()) AS free
  FROM webhook_endpoints e WHERE e.enabled
  ORDER BY random()
), picked AS (
  SELECT due.id FROM slots s
  CROSS JOIN LATERAL (
    SELECT m.id FROM webhook_messages m
    WHERE m.endpoint_id = s.id AND m.status = 'pending' AND m.next_attempt_at <= now()
      AND (m.lease_until IS NULL OR m.lease_until <= now())
    ORDER BY m.next_attempt_at -- the partial index's order: no sort of every due message of the endpoint
    LIMIT GREATEST(s.free, 0)
    FOR UPDATE SKIP LOCKED
  ) due
  WHERE s.free > 0
  LIMIT ${limit}::int
), claimed AS (
  UPDATE webhook_messages m SET handoffs = m.handoffs + 1,
    lease_until = now() + make_interval(secs => ${leaseMs}::float8 / 1000), updated_at = now()
  FROM picked WHERE m.id = picked.id
  RETURNING m.id, m.handoffs, m.event_id, m.event_type, m.endpoint_id, m.org_id, m.payload, m.attempts
), endpoint AS (
  SELECT e.id, e.url, (SELECT array_agg(s.sealed_secret ORDER BY s.created_at DESC) FROM webhook_endpoint_secrets s
    WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())) AS secrets
  FROM webhook_endpoints e WHERE e.id IN (SELECT DISTINCT endpoint_id FROM claimed)
)
SELECT c.*, endpoint.url, endpoint.secrets FROM claimed c JOIN endpoint ON endpoint.id = c.endpoint_id`;

export interface AttemptRecord {
  id: string;
  /** The claim the attempt was made under (ClaimedMessage.handoff). */
  handoff: number;
  succeeded: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** A stable code: timeout, connection_refused, blocked_address, http_status… null on success. */
  error: string | null;
  /** The endpoint answered 410 Gone: it is disabled. */
  gone: boolean;
  /** When not succeeded: ms until the next attempt, or null when the schedule is exhausted (the message fails). */
  retryInMs: number | null;
}

export interface AttemptOutcome {
  /** False when the claim no longer held the message (claimed again after its lease ran out): nothing was recorded. */
  recorded: boolean;
  messageStatus: "delivered" | "pending" | "failed" | null;
  /** Set on one attempt of the endpoint this statement disabled: `gone` or `failing` (so it is counted once). */
  disabledReason: string | null;
}

/**
 * Records a batch of attempts in ONE statement (one commit for all; one result per attempt, in order):
 *
 * - each attempt whose claim still holds its message (handoffs unchanged, lease not yet released: so a claim
 *   is recorded once) is logged in
 *   webhook_attempts and moves its message: delivered on a 2xx; else failed when this was a 410, the
 *   schedule is exhausted, its endpoint is (or is now being) disabled, or a disable already failed it while
 *   the attempt was in flight; else pending again after retryInMs. The lease is released. An attempt is
 *   logged even when its message was failed meanwhile by its endpoint's disable (several 410s in flight at
 *   once: every one of them is in the log);
 * - per endpoint of the batch: a 410 disables it (`gone`); failing attempts only, with failing_since older
 *   than disableAfterMs, disable it (`failing`). The disable is one conditional UPDATE (`WHERE enabled`,
 *   re-checked on the row's latest version), so among concurrent statements exactly one disables it and
 *   reports it; that one also fails the endpoint's other pending messages (`endpoint_disabled`);
 * - otherwise failing_since is cleared by a success, or set by the first failure. The common success of a
 *   healthy endpoint does not write (nor lock) its row.
 */
export async function recordAttempts(
  client: SqlClient,
  attempts: readonly AttemptRecord[],
  options: { disableAfterMs: number },
): Promise<AttemptOutcome[]> {
  if (attempts.length === 0) return [];
  const rows = await runSql<{
    id: string;
    handoff: number;
    recorded: boolean;
    message_status: AttemptOutcome["messageStatus"];
    disabled_reason: string | null;
  }>(client, "webhook_record_attempts", RECORD_SQL, [
    attempts.map((a) => a.id),
    attempts.map((a) => a.handoff),
    attempts.map((a) => a.succeeded),
    attempts.map((a) => a.statusCode),
    attempts.map((a) => Math.round(a.latencyMs)),
    attempts.map((a) => a.error),
    attempts.map((a) => a.gone),
    attempts.map((a) => a.retryInMs),
    options.disableAfterMs,
  ]);
  const byClaim = new Map(rows.map((row) => [`${row.id}\u0000${row.handoff}`, row]));
  return attempts.map((a) => {
    const row = byClaim.get(`${a.id}\u0000${a.handoff}`);
    return {
      recorded: row?.recorded ?? false,
      messageStatus: row?.message_status ?? null,
      disabledReason: row?.disabled_reason ?? null,
    };
  });
}

const RECORD_SQL = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::boolean[], $4::int[], $5::int[], $6::text[], $7::boolean[], $8::float8[])
    AS i(id, handoff, ok, status_code, latency_ms, error, gone, retry_in_ms)
), held AS (
  SELECT i.*, m.endpoint_id FROM input i
  JOIN webhook_messages m ON m.id = i.id AND m.handoffs = i.handoff AND m.lease_until IS NOT NULL AND m.status <> 'delivered'
), ep AS (
  SELECT h.endpoint_id AS id, bool_or(h.gone) AS gone, bool_or(h.ok) AS any_ok,
    bool_or(NOT e.enabled) AS was_disabled,
    NOT bool_or(h.ok) AND COALESCE(bool_or(e.failing_since < now() - make_interval(secs => $9::float8 / 1000)), false) AS failing_out
  FROM held h JOIN webhook_endpoints e ON e.id = h.endpoint_id
  GROUP BY h.endpoint_id
), disabled AS (
  UPDATE webhook_endpoints e SET enabled = false,
    disabled_reason = CASE WHEN s.gone THEN 'gone' ELSE 'failing' END,
    disabled_at = now(),
    failing_since = CASE WHEN s.any_ok THEN NULL ELSE COALESCE(e.failing_since, now()) END,
    updated_at = now()
  FROM ep s
  WHERE e.id = s.id AND e.enabled
    AND (s.gone OR (NOT s.any_ok AND e.failing_since < now() - make_interval(secs => $9::float8 / 1000)))
  RETURNING e.id, e.disabled_reason
), health AS (
  UPDATE webhook_endpoints e SET failing_since = CASE WHEN s.any_ok THEN NULL ELSE now() END, updated_at = now()
  FROM ep s
  WHERE e.id = s.id AND NOT s.gone AND NOT s.failing_out
    AND CASE WHEN s.any_ok THEN e.failing_since IS NOT NULL ELSE e.failing_since IS NULL END
), msg AS (
  UPDATE webhook_messages m SET
    attempts = m.attempts + 1,
    status = (CASE WHEN h.ok THEN 'delivered'
      WHEN m.status = 'failed' OR h.gone OR h.retry_in_ms IS NULL OR s.was_disabled OR s.gone OR s.failing_out THEN 'failed'
      ELSE 'pending' END)::webhook_message_status,
    next_attempt_at = CASE WHEN NOT h.ok AND m.status = 'pending' AND NOT h.gone AND h.retry_in_ms IS NOT NULL
      AND NOT s.was_disabled AND NOT s.gone AND NOT s.failing_out
      THEN now() + make_interval(secs => h.retry_in_ms / 1000) ELSE m.next_attempt_at END,
    lease_until = NULL,
    delivered_at = CASE WHEN h.ok THEN now() ELSE m.delivered_at END,
    last_status_code = h.status_code,
    last_error = h.error,
    updated_at = now()
  FROM held h JOIN ep s ON s.id = h.endpoint_id
  WHERE m.id = h.id AND m.handoffs = h.handoff AND m.lease_until IS NOT NULL AND m.status <> 'delivered'
  RETURNING m.id, m.handoffs, m.endpoint_id, m.org_id, m.event_id, m.event_type, m.attempts, m.status
), logged AS (
  INSERT INTO webhook_attempts (message_id, endpoint_id, org_id, event_id, event_type, attempt, succeeded, status_code, latency_ms, error)
  SELECT msg.id, msg.endpoint_id, msg.org_id, msg.event_id, msg.event_type, msg.attempts, h.ok, h.status_code, h.latency_ms, h.error
  FROM msg JOIN held h ON h.id = msg.id AND h.handoff = msg.handoffs
), dropped AS (
  UPDATE webhook_messages x SET status = 'failed', last_error = 'endpoint_disabled', updated_at = now()
  FROM disabled d
  WHERE x.endpoint_id = d.id AND x.status = 'pending' AND x.id <> ALL ($1::text[])
)
SELECT msg.id, msg.handoffs AS handoff, true AS recorded, msg.status::text AS message_status,
  (SELECT d.disabled_reason FROM disabled d WHERE d.id = msg.endpoint_id
    AND msg.id = (SELECT min(o.id) FROM msg o WHERE o.endpoint_id = d.id)) AS disabled_reason
FROM msg`;

/** Deletes delivery-log rows and finished messages older than the retention (pending messages stay). */
export async function sweepWebhookLog(client: SqlClient, input: { olderThanMs: number; limit: number }): Promise<number> {
  const rows = await runSql<{ attempts: number; messages: number }>(
    client,
    "webhook_sweep_log",
    `WITH old_attempts AS (
      DELETE FROM webhook_attempts WHERE id IN (
        SELECT id FROM webhook_attempts WHERE at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY at LIMIT $2::int)
      RETURNING 1
    ), old_messages AS (
      DELETE FROM webhook_messages WHERE id IN (
        SELECT id FROM webhook_messages WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)
          AND status <> 'pending' ORDER BY created_at LIMIT $2::int)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM old_attempts)::int AS attempts, (SELECT count(*) FROM old_messages)::int AS messages`,
    [input.olderThanMs, input.limit],
  );
  return (rows[0]?.attempts ?? 0) + (rows[0]?.messages ?? 0);
}

/** For the metrics: messages waiting for delivery, and disabled endpoints. */
export async function webhookBacklog(client: SqlClient): Promise<{ pending: number; disabledEndpoints: number }> {
  const rows = await runSql<{ pending: number; disabled: number }>(
    client,
    "webhook_backlog",
    `SELECT (SELECT count(*) FROM webhook_messages WHERE status = 'pending')::int AS pending,
      (SELECT count(*) FROM webhook_endpoints WHERE NOT enabled)::int AS disabled`,
    [],
  );
  return { pending: rows[0]?.pending ?? 0, disabledEndpoints: rows[0]?.disabled ?? 0 };
}
