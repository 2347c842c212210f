import { runSql, type SqlClient } from "../calls/run-sql";

/**
 * The slots of max_concurrent_calls an organisation's calls hold (`o` an organizations row): live_calls less
 * the releases its ended calls appended and no claim folded yet (slot_releases).
 */
const SLOTS_HELD = `(o.live_calls - COALESCE((SELECT sum(r.released)::int FROM slot_releases r WHERE r.org_id = o.id), 0))`;

/**
 * Calls waiting for a slot (SPEC §9: over max_concurrent_calls, calls wait in order, never fail), handed back
 * to the dialers in ONE statement: for each organisation with parked calls, as many of its oldest parked calls
 * (by queued_at) as it has free slots — max_concurrent_calls − the slots held (live_calls − releases not folded
 * yet, see slotsHeld) − its queued calls that already
 * wait for a dialer — are unparked; the caller enqueues them (ids only) after the commit. A call unparked but
 * not enqueued (Redis away) is an ordinary queued call without a job: the reconciler enqueues it. Any number
 * of dialers may run it at once (SKIP LOCKED); unparking one too many is harmless: its claim parks it again.
 * Fairness: an organisation never has more than its free slots' worth of unparked calls in the queue, so
 * another organisation's calls are not stuck behind a flood.
 */
export async function unparkCalls(client: SqlClient, input: { limit: number }): Promise<{ id: string; orgId: string }[]> {
  const rows = await runSql<{ id: string; org_id: string }>(
    client,
    "orders_unpark_calls",
    `WITH waiting AS (
      SELECT DISTINCT c.org_id FROM calls c
      WHERE c.parked_at IS NOT NULL AND c.status = 'queued'::call_status AND c.deleted_at IS NULL
    ), room AS (
      SELECT o.id, o.max_concurrent_calls - ${SLOTS_HELD} - (
        SELECT count(*)::int FROM calls q
        WHERE q.org_id = o.id AND q.status = 'queued'::call_status AND q.parked_at IS NULL AND q.deleted_at IS NULL
      ) AS free
      FROM organizations o WHERE o.id IN (SELECT org_id FROM waiting)
    ), picked AS (
      SELECT p.id FROM room r
      CROSS JOIN LATERAL (
        SELECT c.id FROM calls c
        WHERE c.org_id = r.id AND c.parked_at IS NOT NULL AND c.status = 'queued'::call_status AND c.deleted_at IS NULL
        ORDER BY c.queued_at, c.id
        LIMIT GREATEST(r.free, 0)
        FOR UPDATE SKIP LOCKED
      ) p
      WHERE r.free > 0
      LIMIT $1::int
    )
    UPDATE calls c SET parked_at = NULL FROM picked p
    WHERE c.id = p.id AND c.parked_at IS NOT NULL
    RETURNING c.id, c.org_id`,
    [input.limit],
  );
  return rows.map((r) => ({ id: r.id, orgId: r.org_id }));
}

/** The slots an organisation's calls hold now (see SLOTS_HELD); null for an unknown organisation. */
export async function slotsHeld(client: SqlClient, orgId: string): Promise<number | null> {
  const rows = await runSql<{ held: number }>(
    client,
    "orders_slots_held",
    `SELECT ${SLOTS_HELD} AS held FROM organizations o WHERE o.id = $1`,
    [orgId],
  );
  return rows[0]?.held ?? null;
}
