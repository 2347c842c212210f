import type { CallStatus } from "@inbound/contracts";
import { runSql, type SqlClient } from "./run-sql";

/** A call as its organisation may read it back (REST): its own data, its stages' times, its engagement. */
export interface CallRecord {
  id: string;
  status: CallStatus;
  agentId: string;
  contactNumber: string | null;
  contactName: string | null;
  contactEmail: string | null;
  additionalInfo: Record<string, unknown> | null;
  attempts: number;
  endReason: string | null;
  createdAt: Date;
  queuedAt: Date;
  dialingAt: Date | null;
  ringingAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Null unless the call connected and recorded an engagement. */
  engagement: { transcript: string | null; recording: Record<string, unknown> | null; durationSeconds: number } | null;
  /** The call order (SPEC §9). */
  order: CallOrderRecord;
}

export interface CallOrderRecord {
  notBefore: Date | null;
  notAfter: Date | null;
  dueAt: Date | null;
  /** Local minutes [start, end); null = any hour. */
  windowStart: number | null;
  windowEnd: number | null;
  timeZones: string[];
  retryPolicy: Record<string, unknown> | null;
  /** [{at, attempt, decision, reason, until}] as stored. */
  windowDecisions: Record<string, unknown>[];
  /** Each dial attempt: [{attempt, outcome, started_at, ended_at}] (ISO 8601 times), oldest first. */
  dialAttempts: { attempt: number; outcome: string | null; started_at: string; ended_at: string | null }[];
}

interface CallRow {
  id: string;
  status: CallStatus;
  agent_id: string;
  contact_number: string | null;
  contact_name: string | null;
  contact_email: string | null;
  additional_info: Record<string, unknown> | null;
  attempts: number;
  end_reason: string | null;
  created_at: Date;
  queued_at: Date;
  dialing_at: Date | null;
  ringing_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  engaged: boolean;
  transcript: string | null;
  recording: Record<string, unknown> | null;
  duration_seconds: number | null;
  not_before: Date | null;
  not_after: Date | null;
  due_at: Date | null;
  window_start: number | null;
  window_end: number | null;
  time_zones: string[];
  retry_policy: Record<string, unknown> | null;
  window_decisions: Record<string, unknown>[];
  dial_attempts: CallOrderRecord["dialAttempts"];
}

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const COLUMNS = `c.id, c.status::text AS status, c.agent_id, c.contact_number, c.contact_name, c.contact_email,
    c.additional_info, c.attempts, c.end_reason, c.created_at, c.queued_at, c.dialing_at, c.ringing_at,
    c.answered_at, c.ended_at, e.call_id IS NOT NULL AS engaged, e.transcript, e.recording, e.duration_seconds,
    c.not_before, c.not_after, c.due_at, c.window_start, c.window_end, c.time_zones, c.retry_policy, c.window_decisions,
    (SELECT COALESCE(jsonb_agg(jsonb_build_object('attempt', a.attempt, 'outcome', a.outcome,
        'started_at', ${ISO("a.started_at")}, 'ended_at', ${ISO("a.ended_at")}) ORDER BY a.attempt), '[]'::jsonb)
      FROM call_attempts a WHERE a.call_id = c.id) AS dial_attempts`;

function toRecord(row: CallRow): CallRecord {
  return {
    id: row.id,
    status: row.status,
    agentId: row.agent_id,
    contactNumber: row.contact_number,
    contactName: row.contact_name,
    contactEmail: row.contact_email,
    additionalInfo: row.additional_info,
    attempts: row.attempts,
    endReason: row.end_reason,
    createdAt: row.created_at,
    queuedAt: row.queued_at,
    dialingAt: row.dialing_at,
    ringingAt: row.ringing_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    engagement: row.engaged
      ? { transcript: row.transcript, recording: row.recording, durationSeconds: row.duration_seconds ?? 0 }
      : null,
    order: {
      notBefore: row.not_before,
      notAfter: row.not_after,
      dueAt: row.due_at,
      windowStart: row.window_start,
      windowEnd: row.window_end,
      timeZones: row.time_zones,
      retryPolicy: row.retry_policy,
      windowDecisions: row.window_decisions,
      dialAttempts: row.dial_attempts,
    },
  };
}

const READ_CALL = `
  SELECT ${COLUMNS}
  FROM calls c LEFT JOIN engagements e ON e.call_id = c.id
  WHERE c.id = $1 AND c.org_id = $2 AND c.deleted_at IS NULL`;

/** ONE primary-key read; null when the call does not exist for this organisation or was deleted. */
export async function readCall(client: SqlClient, orgId: string, callId: string): Promise<CallRecord | null> {
  const rows = await runSql<CallRow>(client, "rest_read_call", READ_CALL, [callId, orgId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

const READ_CALLS = `
  SELECT q.ord::int AS ord, ${COLUMNS}
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(id, org_id, ord)
  JOIN calls c ON c.id = q.id AND c.org_id = q.org_id AND c.deleted_at IS NULL
  LEFT JOIN engagements e ON e.call_id = c.id`;

/**
 * Many primary-key reads (of one or several organisations) in ONE statement, results in input order; null
 * for a call that does not exist for its organisation or was deleted. For a batcher: concurrent reads
 * share one round trip and one plan.
 */
export async function readCalls(
  client: SqlClient,
  items: readonly { orgId: string; callId: string }[],
): Promise<(CallRecord | null)[]> {
  if (items.length === 0) return [];
  const rows = await runSql<CallRow & { ord: number }>(client, "rest_read_calls", READ_CALLS, [
    items.map((i) => i.callId),
    items.map((i) => i.orgId),
  ]);
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  return items.map((_, i) => {
    const row = byOrd.get(i + 1);
    return row ? toRecord(row) : null;
  });
}

/** Where a page starts: strictly after this call in the list's order (created_at, then id, both descending). */
export interface CallCursor {
  createdAt: Date;
  id: string;
}

export interface ListCallsQuery {
  orgId: string;
  status?: CallStatus;
  agentId?: string;
  /** Exclusive bounds on created_at. */
  createdAfter?: Date;
  createdBefore?: Date;
  startingAfter?: CallCursor;
  /** 1–100. */
  limit: number;
}

/**
 * A page of the organisation's calls, newest first, by keyset: (created_at, id) descending, from the index
 * (org_id[, status | agent_id], created_at DESC, id DESC), never an OFFSET, so a page costs the same on the
 * first page and the thousandth, and calls inserted meanwhile neither repeat nor hide a call on later pages.
 * Fetches limit + 1 rows to say whether there are more. Each combination of filters is its own prepared
 * statement, planned for exactly those predicates.
 */
export async function listCalls(client: SqlClient, query: ListCallsQuery): Promise<{ calls: CallRecord[]; hasMore: boolean }> {
  const where = ["c.org_id = $1", "c.deleted_at IS NULL"];
  const values: unknown[] = [query.orgId];
  let name = "rest_list_calls";
  const add = (flag: string, predicate: (n: number) => string, ...params: unknown[]) => {
    const first = values.length + 1;
    values.push(...params);
    where.push(predicate(first));
    name += `_${flag}`;
  };
  if (query.status) add("s", (n) => `c.status = $${n}::call_status`, query.status);
  if (query.agentId) add("a", (n) => `c.agent_id = $${n}`, query.agentId);
  if (query.createdAfter) add("ca", (n) => `c.created_at > $${n}`, query.createdAfter);
  if (query.createdBefore) add("cb", (n) => `c.created_at < $${n}`, query.createdBefore);
  if (query.startingAfter) {
    // The first part bounds the index scan; the second only sorts out rows created in the same millisecond.
    add(
      "k",
      (n) => `c.created_at <= $${n} AND (c.created_at < $${n} OR c.id < $${n + 1})`,
      query.startingAfter.createdAt,
      query.startingAfter.id,
    );
  }
  values.push(query.limit + 1);
  const rows = await runSql<CallRow>(
    client,
    name,
    `SELECT ${COLUMNS}
    FROM calls c LEFT JOIN engagements e ON e.call_id = c.id
    WHERE ${where.join(" AND ")}
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT $${values.length}`,
    values,
  );
  const hasMore = rows.length > query.limit;
  return { calls: rows.slice(0, query.limit).map(toRecord), hasMore };
}

export interface CallEventRecord {
  fromStatus: CallStatus | null;
  toStatus: CallStatus;
  detail: string | null;
  at: Date;
}

const READ_EVENTS = `
  SELECT e.from_status::text AS from_status, e.to_status::text AS to_status, e.detail, e.at
  FROM calls c LEFT JOIN call_events e ON e.call_id = c.id
  WHERE c.id = $1 AND c.org_id = $2 AND c.deleted_at IS NULL
  ORDER BY e.at, e.id`;

/** The call's PII-free event log, oldest first; null when the call does not exist for this organisation or was deleted. */
export async function readCallEvents(client: SqlClient, orgId: string, callId: string): Promise<CallEventRecord[] | null> {
  const rows = await runSql<{
    from_status: CallStatus | null;
    to_status: CallStatus | null;
    detail: string | null;
    at: Date | null;
  }>(client, "rest_read_call_events", READ_EVENTS, [callId, orgId]);
  if (rows.length === 0) return null;
  return rows
    .filter((r) => r.to_status !== null)
    .map((r) => ({ fromStatus: r.from_status, toStatus: r.to_status as CallStatus, detail: r.detail, at: r.at as Date }));
}
