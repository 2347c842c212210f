import { runSql, type SqlClient } from "../calls/run-sql";

/**
 * The simulated telephony provider's own store (simulated_provider_calls): one row per dial attempt,
 * unique per (call, attempt), with its copies of the number, recording URL and transcript, and its clock:
 * the events still to come (`script`, [kind, delay ms] pairs), the next one's index (`step`) and when it is
 * due (`next_event_at`). The clock lives in Postgres, so a call outlives the dialer that placed it: any
 * process running the simulated provider carries it on (advanceSimulatedDials).
 */

/** One scripted event: its kind (a provider event kind) and its delay after the previous one. */
export type SimulatedStep = [kind: string, delayMs: number];

export interface SimulatedDialInput {
  providerCallId: string;
  callId: string;
  attempt: number;
  toNumber: string;
  /** 'dialing' for a call that goes on (its script runs); 'failed' or 'transient_error' for a refused dial. */
  outcome: string;
  script: SimulatedStep[];
  /** The provider's copies, kept until purged (shown only once the call was answered). */
  transcript: string | null;
  recordingUrl: string | null;
}

/**
 * Records dials, any number in one statement, each with its clock started; for each, false when its
 * (call, attempt) was placed before (the provider's idempotency key: never ring twice).
 */
export async function insertSimulatedDials(client: SqlClient, dials: readonly SimulatedDialInput[]): Promise<boolean[]> {
  if (dials.length === 0) return [];
  const rows = await runSql<{ provider_call_id: string }>(
    client,
    "sim_insert_dials",
    `INSERT INTO simulated_provider_calls
      (provider_call_id, call_id, attempt, to_number, outcome, script, transcript, recording_url, next_event_at)
    SELECT provider_call_id, call_id, attempt, to_number, outcome, script, transcript, recording_url,
      CASE WHEN jsonb_array_length(script) > 0 THEN now() + make_interval(secs => (script->0->>1)::float8 / 1000) END
    FROM jsonb_to_recordset($1::jsonb) AS i(provider_call_id text, call_id text, attempt int, to_number text,
      outcome text, script jsonb, transcript text, recording_url text)
    ON CONFLICT (call_id, attempt) DO NOTHING
    RETURNING provider_call_id`,
    [
      JSON.stringify(
        dials.map((d) => ({
          provider_call_id: d.providerCallId,
          call_id: d.callId,
          attempt: d.attempt,
          to_number: d.toNumber,
          outcome: d.outcome,
          script: d.script,
          transcript: d.transcript,
          recording_url: d.recordingUrl,
        })),
      ),
    ],
  );
  const placed = new Set(rows.map((r) => r.provider_call_id));
  return dials.map((d) => placed.has(d.providerCallId));
}

/**
 * The simulated provider's clock, ONE statement: every due dial (up to `limit`, rows another process is
 * advancing skipped) takes every scripted step that is due by now, not just the next one: a real provider's
 * callbacks for a call that rang and was answered at once also come together. Each dial's row is written
 * once (outcome, answered_at, the next step's due time) and each step's event is recorded in
 * provider_events, in script order, exactly as a real provider's callback is recorded by the callback route.
 * A step is due at its predecessor's due time plus its delay, so a late round changes no step's timing (a
 * completed call's duration is its scripted talk time). A dial that was hung up or purged has no due step
 * (its clock stopped). Returns the number of events emitted, and whether the round was full (more dials may
 * be due: look again at once rather than after the idle interval).
 */
export async function stepSimulatedDials(client: SqlClient, limit: number): Promise<{ emitted: number; dueAgain: boolean }> {
  const rows = await runSql<{ n: number; due_again: boolean }>(
    client,
    "sim_step_dials",
    `WITH due AS (
      SELECT provider_call_id, call_id, attempt, step, script, next_event_at, answered_at FROM simulated_provider_calls
      WHERE next_event_at <= now() AND purged_at IS NULL AND outcome IN ('dialing', 'ringing', 'in_progress')
      ORDER BY next_event_at LIMIT $1::int FOR UPDATE SKIP LOCKED
    ), timeline AS (
      -- Each step still to come with its due time: the next one's (next_event_at), plus the delays after it.
      SELECT d.provider_call_id, d.call_id, d.attempt, k.idx, d.script->k.idx->>0 AS kind, d.answered_at,
        d.next_event_at + make_interval(secs => (sum(CASE WHEN k.idx > d.step THEN (d.script->k.idx->>1)::float8 ELSE 0 END)
          OVER (PARTITION BY d.provider_call_id ORDER BY k.idx)) / 1000) AS at
      FROM due d CROSS JOIN LATERAL generate_series(d.step, jsonb_array_length(d.script) - 1) AS k(idx)
    ), fired AS (
      SELECT t.*, COALESCE(t.answered_at,
          min(t.at) FILTER (WHERE t.kind = 'answered') OVER (PARTITION BY t.provider_call_id)) AS answered
      FROM timeline t WHERE t.at <= now()
    ), progress AS (
      SELECT t.provider_call_id,
        max(t.idx) FILTER (WHERE t.at <= now()) AS last_idx,
        min(t.at) FILTER (WHERE t.at > now()) AS next_at,
        min(t.at) FILTER (WHERE t.at <= now() AND t.kind = 'answered') AS answered_at
      FROM timeline t GROUP BY t.provider_call_id
    ), stepped AS (
      UPDATE simulated_provider_calls s SET
        step = p.last_idx + 1,
        outcome = CASE s.script->p.last_idx->>0 WHEN 'answered' THEN 'in_progress' ELSE s.script->p.last_idx->>0 END,
        answered_at = COALESCE(s.answered_at, p.answered_at),
        ended_at = CASE WHEN p.next_at IS NULL THEN now() END,
        next_event_at = p.next_at
      FROM progress p
      WHERE s.provider_call_id = p.provider_call_id
        -- Redundant, for the planner: the due dials by primary key, never a scan of every dial.
        AND s.provider_call_id = ANY (ARRAY(SELECT provider_call_id FROM due))
      RETURNING s.provider_call_id
    ), emitted AS (
      -- The due rows are locked by this statement, so every one of them is stepped: their events are emitted.
      INSERT INTO provider_events (provider, provider_call_id, call_id, attempt, kind, end_reason, duration_seconds)
      SELECT 'simulated', f.provider_call_id, f.call_id, f.attempt, f.kind,
        CASE WHEN f.kind IN ('busy', 'no_answer', 'voicemail') THEN f.kind END,
        CASE WHEN f.kind = 'completed' THEN GREATEST(1, round(EXTRACT(EPOCH FROM (f.at - f.answered))))::int END
      FROM fired f ORDER BY f.provider_call_id, f.idx
      RETURNING id
    )
    SELECT (SELECT count(*)::int FROM emitted) AS n,
      (SELECT count(*) FROM stepped) >= $1::int AS due_again`,
    [limit],
  );
  return { emitted: rows[0]?.n ?? 0, dueAgain: rows[0]?.due_again ?? false };
}

/** One round of the clock (see stepSimulatedDials); returns the number of events emitted. */
export async function advanceSimulatedDials(client: SqlClient, limit: number): Promise<number> {
  return (await stepSimulatedDials(client, limit)).emitted;
}

/** Hangs up an attempt still up (placed, ringing or in conversation): its clock stops; idempotent. */
export async function hangUpSimulatedDial(client: SqlClient, input: { callId: string; attempt: number }): Promise<void> {
  await runSql(
    client,
    "sim_hang_up",
    `UPDATE simulated_provider_calls SET outcome = 'hung_up', next_event_at = NULL, ended_at = now()
    WHERE call_id = $1::text AND attempt = $2::int AND outcome IN ('dialing', 'ringing', 'in_progress') AND purged_at IS NULL`,
    [input.callId, input.attempt],
  );
}

export interface SimulatedDial {
  providerCallId: string;
  /** dialing, ringing, in_progress, completed, busy, no_answer, failed, transient_error, hung_up. */
  outcome: string;
  transcript: string | null;
  recordingUrl: string | null;
  placedAt: Date;
  /** Seconds the conversation lasted (until now if it still goes on); null when never answered. */
  talkedSeconds: number | null;
  purged: boolean;
}

interface SimulatedDialRow {
  ord?: number;
  provider_call_id: string;
  outcome: string;
  transcript: string | null;
  recording_url: string | null;
  placed_at: Date;
  talked_seconds: number | null;
  purged: boolean;
}

function simulatedDial(row: SimulatedDialRow): SimulatedDial {
  return {
    providerCallId: row.provider_call_id,
    outcome: row.outcome,
    transcript: row.transcript,
    recordingUrl: row.recording_url,
    placedAt: row.placed_at,
    talkedSeconds: row.talked_seconds,
    purged: row.purged,
  };
}

export async function findSimulatedDial(
  client: SqlClient,
  input: { callId: string; attempt: number },
): Promise<SimulatedDial | null> {
  const rows = await runSql<SimulatedDialRow>(
    client,
    "sim_find_dial",
    `SELECT provider_call_id, outcome, transcript, recording_url, placed_at, purged_at IS NOT NULL AS purged,
      EXTRACT(EPOCH FROM (COALESCE(ended_at, now()) - answered_at))::float8 AS talked_seconds
    FROM simulated_provider_calls WHERE call_id = $1::text AND attempt = $2::int`,
    [input.callId, input.attempt],
  );
  return rows[0] ? simulatedDial(rows[0]) : null;
}

/** findSimulatedDial for any number of dials in ONE statement; null for each one never placed. */
export async function findSimulatedDials(
  client: SqlClient,
  refs: readonly { callId: string; attempt: number }[],
): Promise<(SimulatedDial | null)[]> {
  if (refs.length === 0) return [];
  const rows = await runSql<SimulatedDialRow & { ord: number }>(
    client,
    "sim_find_dials",
    `SELECT i.ord, s.provider_call_id, s.outcome, s.transcript, s.recording_url, s.placed_at, s.purged_at IS NOT NULL AS purged,
      EXTRACT(EPOCH FROM (COALESCE(s.ended_at, now()) - s.answered_at))::float8 AS talked_seconds
    FROM jsonb_to_recordset($1::jsonb) AS i(ord int, call_id text, attempt int)
    JOIN simulated_provider_calls s ON s.call_id = i.call_id AND s.attempt = i.attempt
    -- Redundant, for the planner: by the (call, attempt) index, never a scan of every dial.
    WHERE s.call_id = ANY ($2::text[])`,
    [JSON.stringify(refs.map((r, ord) => ({ ord, call_id: r.callId, attempt: r.attempt }))), refs.map((r) => r.callId)],
  );
  const byOrd = new Map(rows.map((r) => [r.ord, r]));
  return refs.map((_, ord) => {
    const row = byOrd.get(ord);
    return row ? simulatedDial(row) : null;
  });
}

/** Deletes the provider's copies (number, recording, transcript) of every attempt of a call. */
export async function purgeSimulatedDials(client: SqlClient, callId: string): Promise<void> {
  await runSql(
    client,
    "sim_purge",
    `UPDATE simulated_provider_calls SET transcript = NULL, recording_url = NULL, to_number = NULL, purged_at = now(),
      next_event_at = NULL
    WHERE call_id = $1::text`,
    [callId],
  );
}
