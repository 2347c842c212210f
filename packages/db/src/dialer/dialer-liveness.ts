import type { CallStatus } from "@inbound/contracts";
import { runSql, type SqlClient } from "../calls/run-sql";

/**
 * Which dialer processes are alive, decided from Postgres alone (table `dialers`), so that a Redis outage
 * cannot make a live dialer look dead. Each dialer process upserts its row every DIALER_HEARTBEAT_MS;
 * a call's `owner_dialer_id` names the process following it (set by the claim, a retry claim, or a
 * take-over below). Invariant: a call mid-call (dialing without a pending retry, ringing, in_progress)
 * is ended as lost only after takeOverLostCall succeeded, i.e. only when its owner's heartbeat is older
 * than deadAfterMs, its owner has no row, or its owner is the caller itself and the caller says it no
 * longer follows the call. All times are Postgres' clock.
 */

/** Writes this dialer's heartbeat (creating its row the first time, or again after it was pruned). */
export async function heartbeatDialer(client: SqlClient, dialerId: string): Promise<void> {
  await runSql(
    client,
    "dialer_heartbeat",
    `INSERT INTO dialers (id) VALUES ($1::text)
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
    [dialerId],
  );
}

/**
 * Deletes the rows of dialers silent for longer than olderThanMs (long dead: a missing row counts as a
 * dead owner, so this changes no decision). Returns how many went.
 */
export async function pruneDialers(client: SqlClient, olderThanMs: number): Promise<number> {
  const rows = await runSql<{ id: string }>(
    client,
    "dialer_prune",
    `DELETE FROM dialers WHERE heartbeat_at < now() - make_interval(secs => $1::float8) RETURNING id`,
    [olderThanMs / 1000],
  );
  return rows.length;
}

/** A dialer that stopped cleanly removes its row: whatever it left mid-call can be recovered at once. */
export async function retireDialer(client: SqlClient, dialerId: string): Promise<void> {
  await runSql(client, "dialer_retire", `DELETE FROM dialers WHERE id = $1::text`, [dialerId]);
}

export type TakeOverResult =
  /** The caller now owns the call and must end it as lost (hang up, then a conditional transition). */
  | { taken: true }
  /**
   * Not taken. ownerAlive: a live dialer follows the call (leave it alone: it carries on, and the
   * reconciler looks again later); otherwise the call moved on (read it again).
   */
  | { taken: false; ownerAlive: boolean };

/**
 * The lost-call decision, ONE conditional statement: makes `dialerId` the owner of a call still in
 * `status` (mid-call, no retry pending) only when its current owner is gone: no owner, no dialers row,
 * a heartbeat older than deadAfterMs, or the caller itself when `ownCallUnfollowed` (the caller's process
 * owns the call but no longer follows it: its attempt ended abnormally).
 */
export async function takeOverLostCall(
  client: SqlClient,
  input: { callId: string; status: CallStatus; dialerId: string; deadAfterMs: number; ownCallUnfollowed: boolean },
): Promise<TakeOverResult> {
  const rows = await runSql<{ taken: boolean; owner_alive: boolean | null }>(
    client,
    "dialer_take_over_lost_call",
    `WITH alive AS (
      SELECT id FROM dialers WHERE heartbeat_at >= now() - make_interval(secs => $4::float8)
    ), taken AS (
      UPDATE calls c SET owner_dialer_id = $3::text, updated_at = now()
      WHERE c.id = $1::text AND c.status = $2::call_status AND c.deleted_at IS NULL AND c.retry_pending_at IS NULL
        AND (c.owner_dialer_id IS NULL
          OR c.owner_dialer_id NOT IN (SELECT id FROM alive)
          OR (c.owner_dialer_id = $3::text AND $5::boolean))
      RETURNING c.id
    )
    SELECT EXISTS (SELECT 1 FROM taken) AS taken,
      (SELECT c.owner_dialer_id IN (SELECT id FROM alive) AND NOT (c.owner_dialer_id = $3::text AND $5::boolean)
        FROM calls c WHERE c.id = $1::text) AS owner_alive`,
    [input.callId, input.status, input.dialerId, input.deadAfterMs / 1000, input.ownCallUnfollowed],
  );
  const row = rows[0];
  if (row?.taken) return { taken: true };
  return { taken: false, ownerAlive: row?.owner_alive === true };
}
