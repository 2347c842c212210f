import type { CallStatus } from "@inbound/contracts";
import type { PrismaClient } from "../generated/prisma/client";

/** What the dialer needs to place a call. Contact data is read here, from Postgres: jobs carry ids only. */
export interface DialableCall {
  id: string;
  orgId: string;
  agentId: string;
  agentName: string;
  status: CallStatus;
  attempts: number;
  /** Set while a transient provider error waits for its retry; null otherwise. */
  retryPending: boolean;
  /** Milliseconds until the pending retry is due (by Postgres' clock); 0 when due or none is pending. */
  retryDueInMs: number;
  contactNumber: string | null;
  contactName: string | null;
  additionalInfo: Record<string, unknown> | null;
  providerCallId: string | null;
  requestId: string | null;
  /** Seconds since the call was answered (null when it never was): the duration of a call lost mid-conversation. */
  secondsSinceAnswered: number | null;
}

/** The call for a dial job; null when it does not exist (for this organisation) or was deleted. */
export async function loadDialableCall(
  prisma: PrismaClient,
  input: { callId: string; orgId: string },
): Promise<DialableCall | null> {
  const rows = await prisma.$queryRaw<
    {
      id: string;
      org_id: string;
      agent_id: string;
      agent_name: string;
      status: CallStatus;
      attempts: number;
      retry_pending: boolean;
      retry_due_in_ms: number;
      contact_number: string | null;
      contact_name: string | null;
      additional_info: Record<string, unknown> | null;
      provider_call_id: string | null;
      request_id: string | null;
      seconds_since_answered: number | null;
    }[]
  >`
    SELECT c.id, c.org_id, c.agent_id, a.name AS agent_name, c.status::text AS status, c.attempts,
      c.retry_pending_at IS NOT NULL AS retry_pending,
      GREATEST(0, CEIL(EXTRACT(EPOCH FROM (c.retry_pending_at - now())) * 1000))::int AS retry_due_in_ms,
      c.contact_number, c.contact_name, c.additional_info, c.provider_call_id, c.request_id,
      EXTRACT(EPOCH FROM (now() - c.answered_at))::float8 AS seconds_since_answered
    FROM calls c JOIN agents a ON a.id = c.agent_id
    WHERE c.id = ${input.callId} AND c.org_id = ${input.orgId} AND c.deleted_at IS NULL`;
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    orgId: row.org_id,
    agentId: row.agent_id,
    agentName: row.agent_name,
    status: row.status,
    attempts: row.attempts,
    retryPending: row.retry_pending,
    retryDueInMs: row.retry_due_in_ms ?? 0,
    contactNumber: row.contact_number,
    contactName: row.contact_name,
    additionalInfo: row.additional_info,
    providerCallId: row.provider_call_id,
    requestId: row.request_id,
    secondsSinceAnswered: row.seconds_since_answered,
  };
}

/**
 * Claims the next dial attempt of a call waiting for its retry: only the one caller whose conditional
 * update clears retry_pending_at may dial, so a duplicated or redelivered job cannot dial twice.
 * Returns the new attempt number, or null when the retry is not (or no longer) ours to place.
 */
export async function claimRetryAttempt(
  prisma: PrismaClient,
  input: { callId: string; attempts: number },
): Promise<number | null> {
  const rows = await prisma.$queryRaw<{ attempts: number }[]>`
    UPDATE calls SET attempts = attempts + 1, retry_pending_at = NULL, updated_at = now()
    WHERE id = ${input.callId} AND status = 'dialing'::call_status AND deleted_at IS NULL
      AND retry_pending_at IS NOT NULL AND retry_pending_at <= now() AND attempts = ${input.attempts}::int
    RETURNING attempts`;
  return rows[0]?.attempts ?? null;
}

/**
 * Marks a call in `dialing` whose attempt `attempts` failed transiently as safe to dial again after
 * delayMs, and logs it (PII-free) in the call's events. False when the call is not in that state.
 */
export async function scheduleRetry(
  prisma: PrismaClient,
  input: { callId: string; attempts: number; delayMs: number; detail: string },
): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ scheduled: boolean }[]>`
    WITH scheduled AS (
      UPDATE calls SET retry_pending_at = now() + make_interval(secs => ${input.delayMs / 1000}::float8), updated_at = now()
      WHERE id = ${input.callId} AND status = 'dialing'::call_status AND deleted_at IS NULL
        AND retry_pending_at IS NULL AND attempts = ${input.attempts}::int
      RETURNING id
    ), event AS (
      INSERT INTO call_events (call_id, from_status, to_status, detail)
      SELECT id, 'dialing'::call_status, 'dialing'::call_status, ${input.detail}::text FROM scheduled
      RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM scheduled) AS scheduled, (SELECT count(*) FROM event) AS touched`;
  return rows[0]?.scheduled ?? false;
}
