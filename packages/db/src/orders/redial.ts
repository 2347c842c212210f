import { runSql, type SqlClient } from "../calls/run-sql";

/** What deciding a redial needs (SPEC §9): the call's policy and window, and how many attempts it has had. */
export interface RedialContext {
  retryPolicy: Record<string, unknown> | null;
  notBefore: Date | null;
  notAfter: Date | null;
  windowStart: number | null;
  windowEnd: number | null;
  timeZones: string[];
  /** Dial attempts recorded (call_attempts rows), the current one included. */
  attempts: number;
  optedOut: boolean;
}

/** ONE read by primary key; null for a missing or deleted call. */
export async function loadRedialContext(client: SqlClient, callId: string): Promise<RedialContext | null> {
  const rows = await runSql<{
    retry_policy: Record<string, unknown> | null;
    not_before: Date | null;
    not_after: Date | null;
    window_start: number | null;
    window_end: number | null;
    time_zones: string[];
    attempts: number;
    opted_out: boolean;
  }>(
    client,
    "orders_load_redial_context",
    `SELECT c.retry_policy, c.not_before, c.not_after, c.window_start, c.window_end, c.time_zones,
      (SELECT count(*)::int FROM call_attempts a WHERE a.call_id = c.id) AS attempts,
      EXISTS (SELECT 1 FROM opt_outs oo WHERE oo.org_id = c.org_id AND oo.number = c.contact_number) AS opted_out
    FROM calls c WHERE c.id = $1 AND c.deleted_at IS NULL`,
    [callId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    retryPolicy: row.retry_policy,
    notBefore: row.not_before,
    notAfter: row.not_after,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    timeZones: row.time_zones,
    attempts: row.attempts,
    optedOut: row.opted_out,
  };
}
