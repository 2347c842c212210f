import { runSql, type SqlClient } from "../calls/run-sql";

/**
 * The simulated telephony provider's own store (simulated_provider_calls): one row per dial attempt,
 * unique per (call, attempt), with its copies of the number, recording URL and transcript.
 */

export interface SimulatedDialInput {
  providerCallId: string;
  callId: string;
  attempt: number;
  toNumber: string;
}

/**
 * Records dials, any number in one statement; for each, false when its (call, attempt) was placed before
 * (the provider's idempotency key: never ring twice).
 */
export async function insertSimulatedDials(client: SqlClient, dials: readonly SimulatedDialInput[]): Promise<boolean[]> {
  if (dials.length === 0) return [];
  const rows = await runSql<{ provider_call_id: string }>(
    client,
    "sim_insert_dials",
    `INSERT INTO simulated_provider_calls (provider_call_id, call_id, attempt, to_number, outcome)
    SELECT provider_call_id, call_id, attempt, to_number, 'dialing'
    FROM jsonb_to_recordset($1::jsonb) AS i(provider_call_id text, call_id text, attempt int, to_number text)
    ON CONFLICT (call_id, attempt) DO NOTHING
    RETURNING provider_call_id`,
    [
      JSON.stringify(
        dials.map((d) => ({ provider_call_id: d.providerCallId, call_id: d.callId, attempt: d.attempt, to_number: d.toNumber })),
      ),
    ],
  );
  const placed = new Set(rows.map((r) => r.provider_call_id));
  return dials.map((d) => placed.has(d.providerCallId));
}

export async function insertSimulatedDial(client: SqlClient, dial: SimulatedDialInput): Promise<boolean> {
  return (await insertSimulatedDials(client, [dial]))[0] ?? false;
}

export interface SimulatedDialUpdate {
  providerCallId: string;
  outcome: string;
  /** Replaces the stored transcript when given. */
  transcript?: string;
  /** Replaces the stored recording URL when given. */
  recordingUrl?: string;
}

/** Sets dials' outcomes, any number in one statement (each dial at most once: a later update of it waits its turn). */
export async function updateSimulatedDials(client: SqlClient, updates: readonly SimulatedDialUpdate[]): Promise<void> {
  const seen = new Set<string>();
  const now: SimulatedDialUpdate[] = [];
  const later: SimulatedDialUpdate[] = [];
  for (const u of updates) {
    (seen.has(u.providerCallId) ? later : now).push(u);
    seen.add(u.providerCallId);
  }
  if (now.length === 0) return;
  await runSql(
    client,
    "sim_update_dials",
    `UPDATE simulated_provider_calls s SET outcome = i.outcome,
      transcript = COALESCE(i.transcript, s.transcript), recording_url = COALESCE(i.recording_url, s.recording_url)
    FROM jsonb_to_recordset($1::jsonb) AS i(provider_call_id text, outcome text, transcript text, recording_url text)
    WHERE s.provider_call_id = i.provider_call_id`,
    [
      JSON.stringify(
        now.map((u) => ({
          provider_call_id: u.providerCallId,
          outcome: u.outcome,
          transcript: u.transcript ?? null,
          recording_url: u.recordingUrl ?? null,
        })),
      ),
    ],
  );
  await updateSimulatedDials(client, later);
}

export async function updateSimulatedDial(client: SqlClient, update: SimulatedDialUpdate): Promise<void> {
  await updateSimulatedDials(client, [update]);
}

/** Hangs up an attempt still up (dialing or in conversation); idempotent. */
export async function hangUpSimulatedDial(client: SqlClient, input: { callId: string; attempt: number }): Promise<void> {
  await runSql(
    client,
    "sim_hang_up",
    `UPDATE simulated_provider_calls SET outcome = 'hung_up'
    WHERE call_id = $1::text AND attempt = $2::int AND outcome IN ('dialing', 'in_progress')`,
    [input.callId, input.attempt],
  );
}

export interface SimulatedDial {
  providerCallId: string;
  transcript: string | null;
  recordingUrl: string | null;
  placedAt: Date;
}

export async function findSimulatedDial(
  client: SqlClient,
  input: { callId: string; attempt: number },
): Promise<SimulatedDial | null> {
  const rows = await runSql<{
    provider_call_id: string;
    transcript: string | null;
    recording_url: string | null;
    placed_at: Date;
  }>(
    client,
    "sim_find_dial",
    `SELECT provider_call_id, transcript, recording_url, placed_at FROM simulated_provider_calls
    WHERE call_id = $1::text AND attempt = $2::int`,
    [input.callId, input.attempt],
  );
  const row = rows[0];
  return row
    ? {
        providerCallId: row.provider_call_id,
        transcript: row.transcript,
        recordingUrl: row.recording_url,
        placedAt: row.placed_at,
      }
    : null;
}

/** Deletes the provider's copies (number, recording, transcript) of every attempt of a call. */
export async function purgeSimulatedDials(client: SqlClient, callId: string): Promise<void> {
  await runSql(
    client,
    "sim_purge",
    `UPDATE simulated_provider_calls SET transcript = NULL, recording_url = NULL, to_number = NULL, purged_at = now()
    WHERE call_id = $1::text`,
    [callId],
  );
}
