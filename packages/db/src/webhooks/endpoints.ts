import { newId } from "@inbound/contracts";
import { generateEndpointSecret, type SecretBox } from "@inbound/security";
import { runSql, type SqlClient } from "../calls/run-sql";

/**
 * Status-webhook endpoints, their secrets, the delivery log and its repair (resend, recover), as SQL over any
 * SqlClient. Every function takes an optional orgId: when given (REST, dashboard), another organisation's
 * endpoint or message behaves exactly like a missing one (null / 0). Validation is the caller's
 * (packages/webhooks' use cases).
 */
export type EndpointView = {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  created_at: string;
};

const ENDPOINT_COLUMNS = `e.id, e.org_id, e.url, e.description, e.event_types, e.enabled, e.disabled_reason,
  e.disabled_at, e.failing_since, e.created_at`;

type EndpointRow = Omit<EndpointView, "disabled_at" | "failing_since" | "created_at"> & {
  disabled_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
};

function view(row: EndpointRow): EndpointView {
  return {
    ...row,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    failing_since: row.failing_since?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

/** Creates an endpoint with its first secret (returned once, stored sealed). null: no such organisation. */
export async function insertEndpoint(
  client: SqlClient,
  box: SecretBox,
  input: { orgId: string; url: string; eventTypes: string[]; description?: string | null },
): Promise<{ endpoint: EndpointView; secret: string } | null> {
  const secret = generateEndpointSecret();
  const endpointId = newId("we");
  const rows = await runSql<EndpointRow>(
    client,
    "webhook_endpoint_insert",
    `WITH e AS (
      INSERT INTO webhook_endpoints (id, org_id, url, description, event_types)
      SELECT $1::text, o.id, $3::text, $4::text, $5::text[] FROM organizations o WHERE o.id = $2::text
      RETURNING *
    ), s AS (
      INSERT INTO webhook_endpoint_secrets (id, endpoint_id, sealed_secret) SELECT $6::text, id, $7::text FROM e
    )
    SELECT ${ENDPOINT_COLUMNS} FROM e`,
    // Sealed bound to the endpoint (AES-GCM additional data): a copy moved to another row does not open.
    [endpointId, input.orgId, input.url, input.description ?? null, input.eventTypes, newId("sec"), box.seal(secret, endpointId)],
  );
  return rows[0] ? { endpoint: view(rows[0]), secret } : null;
}

export async function listEndpoints(client: SqlClient, orgId: string): Promise<EndpointView[]> {
  const rows = await runSql<EndpointRow>(
    client,
    "webhook_endpoint_list",
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.org_id = $1::text ORDER BY e.created_at, e.id`,
    [orgId],
  );
  return rows.map(view);
}

export async function findEndpoint(client: SqlClient, input: { endpointId: string; orgId?: string }): Promise<EndpointView | null> {
  const rows = await runSql<EndpointRow>(
    client,
    "webhook_endpoint_find",
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.id = $1::text AND ($2::text IS NULL OR e.org_id = $2::text)`,
    [input.endpointId, input.orgId ?? null],
  );
  return rows[0] ? view(rows[0]) : null;
}

/**
 * Changes what is given (null/undefined: unchanged). Enabling clears the disabled reason and the failing
 * streak; disabling (reason `manual` unless given) fails the endpoint's pending messages in the same
 * statement (`recover` brings them back).
 */
export async function changeEndpoint(
  client: SqlClient,
  input: {
    endpointId: string;
    orgId?: string;
    url?: string;
    eventTypes?: string[];
    description?: string;
    enabled?: boolean;
    disabledReason?: string;
  },
): Promise<EndpointView | null> {
  const rows = await runSql<EndpointRow>(
    client,
    "webhook_endpoint_change",
    `WITH e AS (
      UPDATE webhook_endpoints e SET
        url = COALESCE($3::text, e.url),
        event_types = COALESCE($4::text[], e.event_types),
        description = COALESCE($5::text, e.description),
        enabled = COALESCE($6::boolean, e.enabled),
        disabled_reason = CASE WHEN $6::boolean IS NULL THEN e.disabled_reason WHEN $6::boolean THEN NULL
          WHEN e.enabled THEN COALESCE($7::text, 'manual') ELSE e.disabled_reason END,
        disabled_at = CASE WHEN $6::boolean IS NULL THEN e.disabled_at WHEN $6::boolean THEN NULL
          WHEN e.enabled THEN now() ELSE e.disabled_at END,
        failing_since = CASE WHEN $6::boolean THEN NULL ELSE e.failing_since END,
        updated_at = now()
      WHERE e.id = $1::text AND ($2::text IS NULL OR e.org_id = $2::text)
      RETURNING e.*
    ), dropped AS (
      -- lease_until stays: an attempt in flight is still recorded (and logged) when it ends.
      UPDATE webhook_messages m SET status = 'failed', last_error = 'endpoint_disabled', updated_at = now()
      FROM e WHERE m.endpoint_id = e.id AND NOT e.enabled AND m.status = 'pending'
    )
    SELECT ${ENDPOINT_COLUMNS} FROM e`,
    [
      input.endpointId,
      input.orgId ?? null,
      input.url ?? null,
      input.eventTypes ?? null,
      input.description ?? null,
      input.enabled ?? null,
      input.disabledReason ?? null,
    ],
  );
  return rows[0] ? view(rows[0]) : null;
}

/**
 * A new signing secret (returned once, stored sealed); the endpoint's other valid secrets expire after
 * graceMs (0: at once), and sign alongside the new one until then. null: no such endpoint.
 */
export async function rotateEndpointSecret(
  client: SqlClient,
  box: SecretBox,
  input: { endpointId: string; orgId?: string; graceMs: number },
): Promise<{ secret: string; previous_valid_until: string | null } | null> {
  const secret = generateEndpointSecret();
  const rows = await runSql<{ until: Date }>(
    client,
    "webhook_endpoint_rotate",
    `WITH e AS (
      SELECT id FROM webhook_endpoints WHERE id = $1::text AND ($2::text IS NULL OR org_id = $2::text) FOR UPDATE
    ), expired AS (
      UPDATE webhook_endpoint_secrets s SET expires_at = LEAST(COALESCE(s.expires_at, 'infinity'), now() + make_interval(secs => $3::float8 / 1000))
      FROM e WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())
    ), added AS (
      INSERT INTO webhook_endpoint_secrets (id, endpoint_id, sealed_secret) SELECT $4::text, id, $5::text FROM e
    )
    SELECT now() + make_interval(secs => $3::float8 / 1000) AS until FROM e`,
    [input.endpointId, input.orgId ?? null, input.graceMs, newId("sec"), box.seal(secret, input.endpointId)],
  );
  if (!rows[0]) return null;
  return { secret, previous_valid_until: input.graceMs > 0 ? rows[0].until.toISOString() : null };
}

/** Queues a `webhook.test` event to one endpoint (enabled or not: it is delivered only while enabled). */
export async function insertTestMessage(
  client: SqlClient,
  input: { endpointId: string; orgId?: string },
): Promise<{ message_id: string; event_id: string } | null> {
  const rows = await runSql<{ message_id: string; event_id: string }>(
    client,
    "webhook_insert_test",
    `INSERT INTO webhook_messages (id, event_id, endpoint_id, org_id, event_type, payload)
    SELECT $3::text, $4::text, e.id, e.org_id, 'webhook.test',
      jsonb_build_object('type', 'webhook.test', 'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'data', jsonb_build_object('endpoint_id', e.id))
    FROM webhook_endpoints e WHERE e.id = $1::text AND ($2::text IS NULL OR e.org_id = $2::text)
    RETURNING id AS message_id, event_id`,
    [input.endpointId, input.orgId ?? null, newId("msg"), newId("evt")],
  );
  return rows[0] ?? null;
}

export type MessageView = {
  id: string;
  event_id: string;
  endpoint_id: string;
  event_type: string;
  call_id: string | null;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
};

export type AttemptView = {
  at: string;
  message_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  succeeded: boolean;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
};

/** The delivery log of an endpoint (or of one message), newest first. */
export async function listAttempts(
  client: SqlClient,
  input: { endpointId?: string; messageId?: string; orgId?: string; since?: Date; limit: number },
): Promise<AttemptView[]> {
  const rows = await runSql<Omit<AttemptView, "at"> & { at: Date }>(
    client,
    "webhook_list_attempts",
    `SELECT a.at, a.message_id, a.endpoint_id, a.event_id, a.event_type, a.attempt, a.succeeded, a.status_code, a.latency_ms, a.error
    FROM webhook_attempts a
    WHERE ($1::text IS NULL OR a.endpoint_id = $1::text) AND ($2::text IS NULL OR a.message_id = $2::text)
      AND ($3::text IS NULL OR a.org_id = $3::text) AND a.at >= $4::timestamptz
    ORDER BY a.at DESC, a.id DESC LIMIT $5::int`,
    [input.endpointId ?? null, input.messageId ?? null, input.orgId ?? null, input.since ?? new Date(0), input.limit],
  );
  return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
}

/** Messages of an endpoint, newest first (optionally of one status). */
export async function listMessages(
  client: SqlClient,
  input: { endpointId: string; orgId?: string; status?: string; limit: number },
): Promise<MessageView[]> {
  const rows = await runSql<
    Omit<MessageView, "created_at" | "delivered_at" | "next_attempt_at"> & {
      created_at: Date;
      delivered_at: Date | null;
      next_attempt_at: Date;
    }
  >(
    client,
    "webhook_list_messages",
    `SELECT id, event_id, endpoint_id, event_type, call_id, status::text AS status, attempts, next_attempt_at,
      last_status_code, last_error, created_at, delivered_at
    FROM webhook_messages
    WHERE endpoint_id = $1::text AND ($2::text IS NULL OR org_id = $2::text) AND ($3::text IS NULL OR status::text = $3::text)
    ORDER BY created_at DESC, id DESC LIMIT $4::int`,
    [input.endpointId, input.orgId ?? null, input.status ?? null, input.limit],
  );
  return rows.map((row) => ({
    ...row,
    next_attempt_at: row.status === "pending" ? row.next_attempt_at.toISOString() : null,
    created_at: row.created_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  }));
}

/**
 * Sends one message again, now (same event id, so receivers dedupe): a delivered or failed message becomes
 * pending with its attempt count kept (each resend attempt is logged); a pending one is made due now unless
 * an attempt holds it (its lease). null: no such message.
 */
export async function resendMessage(
  client: SqlClient,
  input: { messageId: string; orgId?: string },
): Promise<{ message_id: string; status: string } | null> {
  const rows = await runSql<{ message_id: string; status: string }>(
    client,
    "webhook_resend",
    `WITH target AS (
      SELECT id, status FROM webhook_messages WHERE id = $1::text AND ($2::text IS NULL OR org_id = $2::text) FOR UPDATE
    ), moved AS (
      -- lease_until stays: a message still held by an attempt in flight is claimed again once that ends.
      UPDATE webhook_messages m SET status = 'pending', next_attempt_at = now(), updated_at = now()
      FROM target WHERE m.id = target.id
      RETURNING m.id
    )
    SELECT target.id AS message_id, 'pending' AS status FROM target`,
    [input.messageId, input.orgId ?? null],
  );
  return rows[0] ?? null;
}

/** Every failed message of an endpoint created at or after `since` becomes pending, due now. null: no such endpoint. */
export async function recoverFailedMessages(
  client: SqlClient,
  input: { endpointId: string; orgId?: string; since: Date },
): Promise<{ recovered: number } | null> {
  const rows = await runSql<{ recovered: number }>(
    client,
    "webhook_recover",
    `WITH e AS (
      SELECT id FROM webhook_endpoints WHERE id = $1::text AND ($2::text IS NULL OR org_id = $2::text)
    ), moved AS (
      UPDATE webhook_messages m SET status = 'pending', next_attempt_at = now(), updated_at = now()
      FROM e WHERE m.endpoint_id = e.id AND m.status = 'failed' AND m.created_at >= $3::timestamptz
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM moved)::int AS recovered FROM e`,
    [input.endpointId, input.orgId ?? null, input.since],
  );
  return rows[0] ?? null;
}
