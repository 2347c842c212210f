import { runSql, type SqlClient } from "../calls/run-sql";
import { transitionsWith } from "../calls/transition-call";

/**
 * Scheduled calls that came due, moved to `queued` in ONE statement (SPEC §9), oldest due first: a range scan
 * of the partial index calls(due_at) WHERE due_at IS NOT NULL (only scheduled calls carry due_at), so its cost
 * does not grow with the number of calls scheduled for later. Each move is the state machine's conditional
 * transition (event `due`, queued_at stamped, due_at cleared, `call.queued` status webhook). Rows another
 * dialer is promoting are skipped (SKIP LOCKED), so any number of dialers may run it at once.
 * `now`: the caller's clock (injectable; the dialer's). The caller enqueues the returned ids after the commit;
 * a call whose enqueue fails stays queued and the reconciler enqueues it (RECONCILE_AFTER_MS).
 */
export async function promoteDueCalls(
  client: SqlClient,
  input: { now: Date; limit: number },
): Promise<{ id: string; orgId: string; requestId: string | null }[]> {
  const rows = await runSql<{ id: string; org_id: string; request_id: string | null }>(
    client,
    "orders_promote_due_calls",
    `${transitionsWith(`SELECT (row_number() OVER (ORDER BY d.due_at, d.id) - 1)::int AS ord, d.id AS call_id, d.org_id,
        'scheduled'::call_status AS from_status, 'queued'::call_status AS to_status, NULL::text AS end_reason,
        NULL::text AS provider_call_id, NULL::text AS owner_dialer_id, 0 AS inc, false AS refund, 'due' AS detail,
        false AS engagement, NULL::text AS transcript, NULL::jsonb AS recording, NULL::int AS duration_seconds,
        NULL::timestamptz AS due_at, NULL::jsonb AS decision, NULL::text AS attempt_outcome, false AS gated,
        NULL::call_status[] AS via, NULL::text[] AS via_detail
      FROM (
        SELECT c.id, c.org_id, c.due_at FROM calls c
        WHERE c.due_at IS NOT NULL AND c.due_at <= $1::timestamptz AND c.status = 'scheduled'::call_status
          AND c.deleted_at IS NULL
        ORDER BY c.due_at
        LIMIT $2::int
        FOR UPDATE SKIP LOCKED
      ) d`)}
    SELECT m.id, m.org_id, m.request_id FROM moved m ORDER BY m.ord`,
    [input.now, input.limit],
  );
  return rows.map((r) => ({ id: r.id, orgId: r.org_id, requestId: r.request_id }));
}
