import { runSql, type SqlClient } from "../calls/run-sql";

export interface PendingDeletion {
  callId: string;
  orgId: string;
  providerCallId: string | null;
  requestId: string | null;
  providerPurgedAt: Date | null;
  providerAttempts: number;
}

/** The audit record of a call.delete; null when there is none for this organisation. */
export async function loadDeletion(client: SqlClient, input: { callId: string; orgId: string }): Promise<PendingDeletion | null> {
  const rows = await runSql<{
    call_id: string;
    org_id: string;
    provider_call_id: string | null;
    request_id: string | null;
    provider_purged_at: Date | null;
    provider_attempts: number;
  }>(
    client,
    "dialer_load_deletion",
    `SELECT call_id, org_id, provider_call_id, request_id, provider_purged_at, provider_attempts
    FROM call_deletions WHERE call_id = $1::text AND org_id = $2::text`,
    [input.callId, input.orgId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    callId: row.call_id,
    orgId: row.org_id,
    providerCallId: row.provider_call_id,
    requestId: row.request_id,
    providerPurgedAt: row.provider_purged_at,
    providerAttempts: row.provider_attempts,
  };
}

/** Counts one provider purge attempt and, when it succeeded, stamps provider_purged_at (once). */
export async function recordPurgeAttempt(
  client: SqlClient,
  input: { callId: string; succeeded: boolean },
): Promise<{ providerAttempts: number; providerPurgedAt: Date | null } | null> {
  const rows = await runSql<{ provider_attempts: number; provider_purged_at: Date | null }>(
    client,
    "dialer_record_purge_attempt",
    `UPDATE call_deletions SET provider_attempts = provider_attempts + 1,
      provider_purged_at = CASE WHEN $2::boolean THEN COALESCE(provider_purged_at, now()) ELSE provider_purged_at END
    WHERE call_id = $1::text
    RETURNING provider_attempts, provider_purged_at`,
    [input.callId, input.succeeded],
  );
  const row = rows[0];
  return row ? { providerAttempts: row.provider_attempts, providerPurgedAt: row.provider_purged_at } : null;
}

/** Every provider call id a call had (one per attempt that reached the provider), from its provider events. */
export async function providerCallIdsOf(client: SqlClient, callId: string): Promise<string[]> {
  const rows = await runSql<{ provider_call_id: string }>(
    client,
    "purge_provider_call_ids",
    `SELECT DISTINCT provider_call_id FROM provider_events WHERE call_id = $1::text AND provider_call_id IS NOT NULL`,
    [callId],
  );
  return rows.map((r) => r.provider_call_id);
}
