import { type CallStatus, LIVE_STATUSES } from "@inbound/contracts";
import { runSql, type SqlClient } from "../calls/run-sql";
import { statusListSql } from "../calls/status-sql";

/** The state machine's live statuses as SQL (packages/contracts/src/call-status.ts). */
const LIVE = statusListSql(LIVE_STATUSES);

export interface QueuedCallRef {
  id: string;
  orgId: string;
  requestId: string | null;
  queuedAt: Date;
}

/**
 * Calls still `queued` that were queued more than olderThanMs ago, oldest first, after a keyset cursor
 * (so a long backlog is walked page by page across reconciler rounds instead of re-reading its head).
 */
export async function findQueuedCalls(
  client: SqlClient,
  input: { olderThanMs: number; limit: number; after?: { queuedAt: Date; id: string } | null },
): Promise<QueuedCallRef[]> {
  const afterAt = input.after?.queuedAt ?? new Date(0);
  const afterId = input.after?.id ?? "";
  const rows = await runSql<{ id: string; org_id: string; request_id: string | null; queued_at: Date }>(
    client,
    "reconcile_find_queued",
    `SELECT id, org_id, request_id, queued_at FROM calls
    WHERE status = 'queued'::call_status AND deleted_at IS NULL AND parked_at IS NULL
      AND queued_at < now() - make_interval(secs => $1::float8)
      AND (queued_at, id) > ($2::timestamptz, $3::text)
    ORDER BY queued_at, id
    LIMIT $4::int`,
    [input.olderThanMs / 1000, afterAt, afterId, input.limit],
  );
  return rows.map((r) => ({ id: r.id, orgId: r.org_id, requestId: r.request_id, queuedAt: r.queued_at }));
}

export interface LiveCallRef {
  id: string;
  orgId: string;
  status: CallStatus;
  retryPending: boolean;
  requestId: string | null;
  /** null: the call has no owner (it was claimed before owners were recorded): only its job can tell. */
  ownerDialerId: string | null;
}

/**
 * Calls in dialing, ringing or in_progress with no news for idleMs (no provider event applied, no look
 * at the provider), except the ones the asking process is placing right now (`following`). Such a call
 * lives at the provider: the reconciler re-attaches to it (asks the provider where it is).
 */
export async function findIdleLiveCalls(
  client: SqlClient,
  input: { idleMs: number; limit: number; following?: readonly string[] },
): Promise<LiveCallRef[]> {
  const rows = await runSql<{
    id: string;
    org_id: string;
    status: CallStatus;
    retry_pending: boolean;
    request_id: string | null;
    owner_dialer_id: string | null;
  }>(
    client,
    "reconcile_find_idle_live",
    `SELECT id, org_id, status::text AS status, retry_pending_at IS NOT NULL AS retry_pending, request_id, owner_dialer_id
    FROM calls c
    WHERE status IN (${LIVE}) AND deleted_at IS NULL
      AND updated_at < now() - make_interval(secs => $1::float8)
      AND NOT (id = ANY($3::text[]))
    ORDER BY updated_at
    LIMIT $2::int`,
    [input.idleMs / 1000, input.limit, input.following ?? []],
  );
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    status: r.status,
    retryPending: r.retry_pending,
    requestId: r.request_id,
    ownerDialerId: r.owner_dialer_id,
  }));
}

/** Deletions whose provider-side purge is not done, requested more than olderThanMs ago. */
export async function findUnpurgedDeletions(
  client: SqlClient,
  input: { olderThanMs: number; limit: number },
): Promise<{ callId: string; orgId: string }[]> {
  const rows = await runSql<{ call_id: string; org_id: string }>(
    client,
    "reconcile_find_unpurged",
    `SELECT call_id, org_id FROM call_deletions
    WHERE provider_purged_at IS NULL
      AND requested_at < now() - make_interval(secs => $1::float8)
    ORDER BY requested_at
    LIMIT $2::int`,
    [input.olderThanMs / 1000, input.limit],
  );
  return rows.map((r) => ({ callId: r.call_id, orgId: r.org_id }));
}
