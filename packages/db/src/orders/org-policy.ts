import { runSql, type SqlClient } from "../calls/run-sql";

/** An organisation's call-order policy as stored (SPEC §9); rules and defaults live in @inbound/orders. */
export interface OrgPolicyRecord {
  orgId: string;
  /** Local minutes after midnight, [start, end). */
  callingHoursStart: number;
  callingHoursEnd: number;
  callingHoursGuard: boolean;
  /** When the guard was last turned off or on (null: never changed since the organisation was created). */
  callingHoursGuardChangedAt: Date | null;
  maxConcurrentCalls: number;
  dedupeWindowMinutes: number;
  /** The redial policy JSON a create without `retry` gets; null = never redial. */
  defaultRetry: Record<string, unknown> | null;
  /** Bumped by every change: the create statement refuses a plan made with another version. */
  version: number;
}

const COLUMNS = `id AS org_id, calling_hours_start, calling_hours_end, calling_hours_guard, calling_hours_guard_changed_at,
  max_concurrent_calls, dedupe_window_minutes, default_retry, policy_version`;

interface Row {
  org_id: string;
  calling_hours_start: number;
  calling_hours_end: number;
  calling_hours_guard: boolean;
  calling_hours_guard_changed_at: Date | null;
  max_concurrent_calls: number;
  dedupe_window_minutes: number;
  default_retry: Record<string, unknown> | null;
  policy_version: number;
}

function toRecord(row: Row): OrgPolicyRecord {
  return {
    orgId: row.org_id,
    callingHoursStart: row.calling_hours_start,
    callingHoursEnd: row.calling_hours_end,
    callingHoursGuard: row.calling_hours_guard,
    callingHoursGuardChangedAt: row.calling_hours_guard_changed_at,
    maxConcurrentCalls: row.max_concurrent_calls,
    dedupeWindowMinutes: row.dedupe_window_minutes,
    defaultRetry: row.default_retry,
    version: row.policy_version,
  };
}

/** ONE primary-key read; null for an unknown organisation. */
export async function readOrgPolicy(client: SqlClient, orgId: string): Promise<OrgPolicyRecord | null> {
  const rows = await runSql<Row>(client, "orders_read_org_policy", `SELECT ${COLUMNS} FROM organizations WHERE id = $1`, [orgId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The fields a policy change may set; absent = unchanged. defaultRetry null = no redial. */
export interface OrgPolicyChange {
  callingHoursStart?: number;
  callingHoursEnd?: number;
  callingHoursGuard?: boolean;
  maxConcurrentCalls?: number;
  dedupeWindowMinutes?: number;
  defaultRetry?: Record<string, unknown> | null;
}

/**
 * ONE conditional update: sets the given fields, bumps policy_version, and stamps calling_hours_guard_changed_at
 * when the guard actually changes (the recorded choice, SPEC §9). Null for an unknown organisation.
 */
export async function updateOrgPolicy(client: SqlClient, orgId: string, change: OrgPolicyChange): Promise<OrgPolicyRecord | null> {
  const rows = await runSql<Row>(
    client,
    "orders_update_org_policy",
    `UPDATE organizations SET
      calling_hours_start = COALESCE($2::int, calling_hours_start),
      calling_hours_end = COALESCE($3::int, calling_hours_end),
      calling_hours_guard_changed_at = CASE WHEN $4::boolean IS NOT NULL AND $4::boolean <> calling_hours_guard
        THEN now() ELSE calling_hours_guard_changed_at END,
      calling_hours_guard = COALESCE($4::boolean, calling_hours_guard),
      max_concurrent_calls = COALESCE($5::int, max_concurrent_calls),
      dedupe_window_minutes = COALESCE($6::int, dedupe_window_minutes),
      default_retry = CASE WHEN $7::boolean THEN $8::jsonb ELSE default_retry END,
      policy_version = policy_version + 1
    WHERE id = $1
    RETURNING ${COLUMNS}`,
    [
      orgId,
      change.callingHoursStart ?? null,
      change.callingHoursEnd ?? null,
      change.callingHoursGuard ?? null,
      change.maxConcurrentCalls ?? null,
      change.dedupeWindowMinutes ?? null,
      change.defaultRetry !== undefined,
      change.defaultRetry == null ? null : JSON.stringify(change.defaultRetry),
    ],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** How many of the organisation's calls are live now (dialing, ringing, in progress): `org show`, REST. */
export async function countLiveCalls(client: SqlClient, orgId: string): Promise<number> {
  const rows = await runSql<{ n: number }>(
    client,
    "orders_count_live_calls",
    `SELECT count(*)::int AS n FROM calls WHERE org_id = $1 AND status IN ('dialing', 'ringing', 'in_progress')`,
    [orgId],
  );
  return rows[0]?.n ?? 0;
}
