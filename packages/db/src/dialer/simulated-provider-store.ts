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
 * advancing skipped) takes its next scripted step (outcome, answered_at, the next step's due time) and the
 * step's event is recorded in provider_events, exactly as a real provider's callback is recorded by the
 * callback route. A dial that was hung up or purged has no due step (its clock stopped). Returns the number
 * of events emitted, and whether a dial it stepped has its next step due already (a zero delay: the clock
 * should look again at once rather than after its idle interval).
 */
export async function stepSimulatedDials(client: SqlClient, limit: number): Promise<{ emitted: number; dueAgain: boolean }> {
  const rows = await runSql<{ n: number; due_again: boolean }>(
    client,
    "sim_step_dials",
    `WITH due AS (
      SELECT provider_call_id FROM simulated_provider_calls
      WHERE next_event_at <= now() AND purged_at IS NULL AND outcome IN ('dialing', 'ringing', 'in_progress')
      ORDER BY next_event_at LIMIT $1::int FOR UPDATE SKIP LOCKED
    ), stepped AS (
      UPDATE simulated_provider_calls s SET
        step = s.step + 1,
        outcome = CASE s.script->s.step->>0 WHEN 'answered' THEN 'in_progress' ELSE s.script->s.step->>0 END,
        answered_at = CASE WHEN s.script->s.step->>0 = 'answered' THEN now() ELSE s.answered_at END,
        ended_at = CASE WHEN jsonb_array_length(s.script) > s.step + 1 THEN NULL ELSE now() END,
        next_event_at = CASE WHEN jsonb_array_length(s.script) > s.step + 1
          THEN now() + make_interval(secs => (s.script->(s.step + 1)->>1)::float8 / 1000) END
      FROM due WHERE s.provider_call_id = due.provider_call_id
      RETURNING s.provider_call_id, s.call_id, s.attempt, s.script->(s.step - 1)->>0 AS kind, s.answered_at, s.next_event_at
    ), emitted AS (
      INSERT INTO provider_events (provider, provider_call_id, call_id, attempt, kind, end_reason, duration_seconds)
      SELECT 'simulated', provider_call_id, call_id, attempt, kind,
        CASE WHEN kind IN ('busy', 'no_answer', 'voicemail') THEN kind END,
        CASE WHEN kind = 'completed' THEN GREATEST(1, round(EXTRACT(EPOCH FROM (now() - answered_at))))::int END
      FROM stepped ORDER BY provider_call_id
      RETURNING id
    )
    SELECT (SELECT count(*)::int FROM emitted) AS n,
      COALESCE((SELECT bool_or(next_event_at <= now()) FROM stepped), false) AS due_again`,
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
    JOIN simulated_provider_calls s ON s.call_id = i.call_id AND s.attempt = i.attempt`,
    [JSON.stringify(refs.map((r, ord) => ({ ord, call_id: r.callId, attempt: r.attempt })))],
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
