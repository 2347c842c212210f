import { runSql, type SqlClient } from "../calls/run-sql";

/** A message handed to a delivery job: the job id is `${id}-${handoff}` (see WebhookMessage in schema.prisma). */
export interface MessageHandoff {
  id: string;
  handoff: number;
}

/** Relay passes run one at a time across all processes (a transaction-scoped advisory lock; others skip). */
const RELAY_LOCK = 0x77686b72; // "whkr"

/**
 * Hands due messages to delivery jobs, in ONE statement: for each enabled endpoint, the pending messages whose
 * next attempt is due and that no job holds (no lease, or a lease that ran out: its job or process died),
 * oldest first, at most `perEndpoint` in flight per endpoint (counting those already leased), `limit` in all.
 * Each gets a lease of leaseMs and handoffs + 1. Only one relay pass runs at a time (another answers []), so
 * the per-endpoint bound holds across processes. A crash after this statement and before the jobs reach Redis
 * only delays the messages until their lease runs out.
 */
export async function handOffDueMessages(
  client: SqlClient,
  input: { perEndpoint: number; limit: number; leaseMs: number },
): Promise<MessageHandoff[]> {
  return runSql<MessageHandoff>(
    client,
    "webhook_relay_hand_off",
    `WITH gate AS (
      SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS ok
    ), picked AS (
      SELECT due.id FROM webhook_endpoints e
      CROSS JOIN LATERAL (
        SELECT m.id FROM webhook_messages m
        WHERE m.endpoint_id = e.id AND m.status = 'pending' AND m.next_attempt_at <= now()
          AND (m.lease_until IS NULL OR m.lease_until <= now())
        ORDER BY m.next_attempt_at, m.id
        LIMIT GREATEST(0, $1::int - (
          SELECT count(*) FROM webhook_messages f
          WHERE f.endpoint_id = e.id AND f.status = 'pending' AND f.lease_until > now()))
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE e.enabled AND (SELECT ok FROM gate)
      LIMIT $2::int
    )
    UPDATE webhook_messages m SET handoffs = m.handoffs + 1, lease_until = now() + make_interval(secs => $3::float8 / 1000),
      updated_at = now()
    FROM picked WHERE m.id = picked.id
    RETURNING m.id, m.handoffs AS handoff`,
    [input.perEndpoint, input.limit, input.leaseMs],
  );
}

/** What a delivery attempt needs. secrets: the endpoint's valid sealed secrets, newest first. */
export interface ClaimedMessage {
  id: string;
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
 * Claims a message for the attempt of the job `${id}-${handoff}`: only while the message is pending, still
 * handed to that job (a newer hand-off supersedes it) and its endpoint enabled. Extends the lease to cover
 * the attempt (leaseMs). A redelivered job (its worker died) claims again: at least once.
 */
export async function claimMessage(
  client: SqlClient,
  input: { id: string; handoff: number; leaseMs: number },
): Promise<ClaimedMessage | null> {
  const rows = await runSql<{
    id: string;
    event_id: string;
    event_type: string;
    endpoint_id: string;
    org_id: string;
    url: string;
    payload: ClaimedMessage["payload"];
    attempts: number;
    secrets: string[] | null;
  }>(
    client,
    "webhook_claim_message",
    `UPDATE webhook_messages m SET lease_until = now() + make_interval(secs => $3::float8 / 1000), updated_at = now()
    FROM webhook_endpoints e
    WHERE m.id = $1::text AND m.handoffs = $2::int AND m.status = 'pending' AND e.id = m.endpoint_id AND e.enabled
    RETURNING m.id, m.event_id, m.event_type, m.endpoint_id, m.org_id, e.url, m.payload, m.attempts,
      (SELECT array_agg(s.sealed_secret ORDER BY s.created_at DESC) FROM webhook_endpoint_secrets s
        WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())) AS secrets`,
    [input.id, input.handoff, input.leaseMs],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    endpointId: row.endpoint_id,
    orgId: row.org_id,
    url: row.url,
    payload: row.payload,
    attempts: row.attempts,
    sealedSecrets: row.secrets ?? [],
  };
}

export interface AttemptRecord {
  id: string;
  handoff: number;
  succeeded: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** A stable code: timeout, connection_refused, blocked_address, http_status… null on success. */
  error: string | null;
  /** The endpoint answered 410 Gone: it is disabled now. */
  gone: boolean;
  /** When not succeeded: ms until the next attempt, or null when the schedule is exhausted (the message fails). */
  retryInMs: number | null;
  /** An endpoint failing every attempt for this long is disabled. */
  disableAfterMs: number;
  /** Lease of the next message handed over in the same statement. */
  leaseMs: number;
}

export interface AttemptOutcome {
  /** False when the job no longer held the message (superseded): nothing was recorded. */
  recorded: boolean;
  messageStatus: "delivered" | "pending" | "failed" | null;
  /** Set when this attempt disabled the endpoint: `gone` or `failing`. */
  disabledReason: string | null;
  /** The endpoint's next due message, handed to a new job in the same statement (keeps its slot busy). */
  next: MessageHandoff | null;
}

/**
 * Records one attempt in ONE statement: the delivery-log row; the message delivered, rescheduled or failed
 * (only if still held by this job; failed as well when this attempt disables its endpoint); the endpoint's failing_since cleared by a success or set by a failure,
 * and the endpoint disabled (with its reason, and its other pending messages failed as `endpoint_disabled`)
 * after a 410 or when it has been failing for disableAfterMs; and, while the endpoint stays enabled, its
 * next due message handed over (so an endpoint's slots stay busy without waiting for the relay).
 */
export async function recordAttempt(client: SqlClient, input: AttemptRecord): Promise<AttemptOutcome> {
  const rows = await runSql<{
    recorded: boolean;
    message_status: AttemptOutcome["messageStatus"];
    disabled_reason: string | null;
    next: MessageHandoff | null;
  }>(
    client,
    "webhook_record_attempt",
    `WITH input AS (
      SELECT $1::text AS id, $2::int AS handoff, $3::boolean AS ok, $4::int AS status_code, $5::int AS latency_ms,
        $6::text AS error, $7::boolean AS gone, $8::float8 AS retry_in_ms, $9::float8 AS disable_after_ms, $10::float8 AS lease_ms
    ), msg AS (
      UPDATE webhook_messages m SET
        attempts = m.attempts + 1,
        -- A failure that disables the endpoint (410, or failing for disable_after_ms) fails this message too.
        status = (CASE WHEN i.ok THEN 'delivered'
          WHEN i.gone OR i.retry_in_ms IS NULL OR we.failing_since < now() - make_interval(secs => i.disable_after_ms / 1000) THEN 'failed'
          ELSE 'pending' END)::webhook_message_status,
        next_attempt_at = CASE WHEN NOT i.ok AND NOT i.gone AND i.retry_in_ms IS NOT NULL
          AND NOT COALESCE(we.failing_since < now() - make_interval(secs => i.disable_after_ms / 1000), false)
          THEN now() + make_interval(secs => i.retry_in_ms / 1000) ELSE m.next_attempt_at END,
        lease_until = NULL,
        delivered_at = CASE WHEN i.ok THEN now() ELSE m.delivered_at END,
        last_status_code = i.status_code,
        last_error = i.error,
        updated_at = now()
      FROM input i, webhook_endpoints we
      WHERE m.id = i.id AND m.handoffs = i.handoff AND m.status = 'pending' AND we.id = m.endpoint_id
      RETURNING m.id, m.endpoint_id, m.org_id, m.event_id, m.event_type, m.attempts, m.status
    ), logged AS (
      INSERT INTO webhook_attempts (message_id, endpoint_id, org_id, event_id, event_type, attempt, succeeded, status_code, latency_ms, error)
      SELECT msg.id, msg.endpoint_id, msg.org_id, msg.event_id, msg.event_type, msg.attempts, i.ok, i.status_code, i.latency_ms, i.error
      FROM msg, input i
    ), endpoint AS (
      UPDATE webhook_endpoints e SET
        failing_since = CASE WHEN i.ok THEN NULL ELSE COALESCE(e.failing_since, now()) END,
        enabled = CASE WHEN i.gone OR (NOT i.ok AND e.failing_since < now() - make_interval(secs => i.disable_after_ms / 1000))
          THEN false ELSE e.enabled END,
        disabled_reason = CASE WHEN NOT e.enabled THEN e.disabled_reason WHEN i.gone THEN 'gone'
          WHEN NOT i.ok AND e.failing_since < now() - make_interval(secs => i.disable_after_ms / 1000) THEN 'failing'
          ELSE e.disabled_reason END,
        disabled_at = CASE WHEN e.enabled AND (i.gone OR (NOT i.ok AND e.failing_since < now() - make_interval(secs => i.disable_after_ms / 1000)))
          THEN now() ELSE e.disabled_at END,
        updated_at = now()
      FROM msg, input i, LATERAL (SELECT o.enabled AS was_enabled FROM webhook_endpoints o WHERE o.id = msg.endpoint_id) old
      -- Only when something changes (the first failure, the first success after failures, a disable): the
      -- common success of a healthy endpoint does not write (nor lock) the endpoint row its other slots share.
      WHERE e.id = msg.endpoint_id AND CASE WHEN i.ok THEN e.failing_since IS NOT NULL
        ELSE e.failing_since IS NULL OR i.gone OR e.failing_since < now() - make_interval(secs => i.disable_after_ms / 1000) END
      RETURNING e.id, e.enabled, e.disabled_reason, (old.was_enabled AND NOT e.enabled) AS disabled_now
    ), dropped AS (
      UPDATE webhook_messages x SET status = 'failed', last_error = 'endpoint_disabled', lease_until = NULL, updated_at = now()
      FROM endpoint, input i
      WHERE x.endpoint_id = endpoint.id AND NOT endpoint.enabled AND x.status = 'pending' AND x.id <> i.id
    ), next AS (
      UPDATE webhook_messages n SET handoffs = n.handoffs + 1,
        lease_until = now() + make_interval(secs => (SELECT lease_ms FROM input) / 1000), updated_at = now()
      WHERE n.id = (
        SELECT y.id FROM webhook_messages y, msg, input i
        WHERE y.endpoint_id = msg.endpoint_id AND y.status = 'pending' AND y.next_attempt_at <= now()
          AND (y.lease_until IS NULL OR y.lease_until <= now()) AND y.id <> i.id
        ORDER BY y.next_attempt_at, y.id
        LIMIT 1
        FOR UPDATE OF y SKIP LOCKED)
      AND NOT EXISTS (SELECT 1 FROM endpoint WHERE NOT endpoint.enabled)
      RETURNING n.id, n.handoffs AS handoff
    )
    SELECT EXISTS (SELECT 1 FROM msg) AS recorded,
      (SELECT status::text FROM msg) AS message_status,
      (SELECT disabled_reason FROM endpoint WHERE disabled_now) AS disabled_reason,
      (SELECT row_to_json(next) FROM next) AS next`,
    [
      input.id,
      input.handoff,
      input.succeeded,
      input.statusCode,
      Math.round(input.latencyMs),
      input.error,
      input.gone,
      input.retryInMs,
      input.disableAfterMs,
      input.leaseMs,
    ],
  );
  const row = rows[0];
  return {
    recorded: row?.recorded ?? false,
    messageStatus: row?.message_status ?? null,
    disabledReason: row?.disabled_reason ?? null,
    next: row?.next ?? null,
  };
}

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
