import { type CallStatus, TERMINAL_STATUSES } from "@inbound/contracts";
import { EVENTS_SO_FAR, outboxCtes } from "../webhooks/outbox-sql";
import { runSql, type SqlClient } from "./run-sql";
import { statusListSql } from "./status-sql";

export type DeleteCallResult =
  | { deleted: true; providerCallId: string | null }
  /** current is null when the call does not exist for this organisation or was already deleted. */
  | { deleted: false; current: CallStatus | null; engaged: boolean };

const TERMINAL = statusListSql(TERMINAL_STATUSES);

const ERASE_CALL = `
  WITH erased AS (
    UPDATE calls SET contact_number = NULL, contact_name = NULL, contact_email = NULL, additional_info = NULL,
      request_id = NULL, deleted_at = now(), updated_at = now()
    WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL AND status IN (${TERMINAL})
      AND EXISTS (SELECT 1 FROM engagements e WHERE e.call_id = $1)
    RETURNING id, org_id, provider_call_id
  ), dropped AS (
    DELETE FROM engagements WHERE call_id IN (SELECT id FROM erased)
  ), forgotten AS (
    -- The stored 201 and the digest of the body that carried the contact details.
    DELETE FROM idempotency_records WHERE call_id IN (SELECT id FROM erased)
  ), audit AS (
    INSERT INTO call_deletions (call_id, org_id, request_id, database_erased_at, provider_call_id)
    SELECT id, org_id, $3::text, now(), provider_call_id FROM erased
  ), ${outboxCtes(`SELECT x.id AS call_id, x.org_id, c.agent_id, 'deleted' AS status, c.status::text AS previous_status,
      c.attempts AS attempt, c.end_reason, e.duration_seconds, ${EVENTS_SO_FAR("x.id")} + 1 AS sequence
    FROM erased x JOIN calls c ON c.id = x.id LEFT JOIN engagements e ON e.call_id = x.id`)}
  SELECT
    EXISTS (SELECT 1 FROM erased) AS deleted,
    (SELECT provider_call_id FROM erased) AS provider_call_id,
    c.status::text AS current,
    EXISTS (SELECT 1 FROM engagements e WHERE e.call_id = c.id) AS engaged
  FROM (SELECT 1) AS one
  LEFT JOIN calls c ON c.id = $1 AND c.org_id = $2 AND c.deleted_at IS NULL`;

/**
 * Erases a finished, connected call in ONE statement: contact fields, additional_info and the caller's
 * X-Request-Id nulled, deleted_at set, the engagement (transcript, recording metadata) and the
 * idempotency record of its create deleted, a PII-free call_deletions audit row and the
 * `call.deleted` status-webhook messages written. The provider-side purge is the dialer's job (a purge job, then provider_purged_at).
 */
export async function eraseCall(
  client: SqlClient,
  input: { callId: string; orgId: string; requestId?: string | null },
): Promise<DeleteCallResult> {
  const rows = await runSql<{
    deleted: boolean;
    provider_call_id: string | null;
    current: CallStatus | null;
    engaged: boolean | null;
  }>(client, "ingress_erase_call", ERASE_CALL, [input.callId, input.orgId, input.requestId ?? null]);
  const row = rows[0];
  if (row?.deleted) return { deleted: true, providerCallId: row.provider_call_id };
  const current = row?.current ?? null;
  const engaged = row?.engaged ?? false;
  // Deletable in this statement's snapshot, yet not erased: a concurrent delete won. The call is gone.
  if (current && engaged && TERMINAL_STATUSES.has(current)) return { deleted: false, current: null, engaged: false };
  return { deleted: false, current, engaged };
}
