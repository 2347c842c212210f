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

/**
 * Sets dials' outcomes, any number in one statement (each dial at most once: a later update of it waits its
 * turn). Like a real provider, a call that ended cannot be written to again: an update applies only while
 * the dial is still up (`dialing` or `in_progress`) and not purged, so a hang-up decided by another process
 * (or a purge after it) is never overwritten, and a purged call's transcript or recording never reappears.
 * For each update, true when it applied; false: the dial is over (hung up, ended, purged) or unknown.
 */
export async function updateSimulatedDials(client: SqlClient, updates: readonly SimulatedDialUpdate[]): Promise<boolean[]> {
  const seen = new Set<string>();
  const now: number[] = [];
  const later: number[] = [];
  for (const [i, u] of updates.entries()) {
    (seen.has(u.providerCallId) ? later : now).push(i);
    seen.add(u.providerCallId);
  }
  const applied: boolean[] = updates.map(() => false);
  if (now.length === 0) return applied;
  const rows = await runSql<{ provider_call_id: string }>(
    client,
    "sim_update_dials",
    `UPDATE simulated_provider_calls s SET outcome = i.outcome,
      transcript = COALESCE(i.transcript, s.transcript), recording_url = COALESCE(i.recording_url, s.recording_url)
    FROM jsonb_to_recordset($1::jsonb) AS i(provider_call_id text, outcome text, transcript text, recording_url text)
    WHERE s.provider_call_id = i.provider_call_id AND s.outcome IN ('dialing', 'in_progress') AND s.purged_at IS NULL
    RETURNING s.provider_call_id`,
    [
      JSON.stringify(
        now.map((i) => {
          const u = updates[i]!;
          return {
            provider_call_id: u.providerCallId,
            outcome: u.outcome,
            transcript: u.transcript ?? null,
            recording_url: u.recordingUrl ?? null,
          };
        }),
      ),
    ],
  );
  const done = new Set(rows.map((r) => r.provider_call_id));
  for (const i of now) applied[i] = done.has(updates[i]!.providerCallId);
  const rest = await updateSimulatedDials(
    client,
    later.map((i) => updates[i]!),
  );
  for (const [j, i] of later.entries()) applied[i] = rest[j]!;
  return applied;
}

export async function updateSimulatedDial(client: SqlClient, update: SimulatedDialUpdate): Promise<boolean> {
  return (await updateSimulatedDials(client, [update]))[0] ?? false;
}

/** Whether an attempt is still up at the provider (dialing or in conversation, not purged). */
export async function isSimulatedDialUp(client: SqlClient, providerCallId: string): Promise<boolean> {
  const rows = await runSql<{ up: boolean }>(
    client,
    "sim_dial_up",
    `SELECT outcome IN ('dialing', 'in_progress') AND purged_at IS NULL AS up
    FROM simulated_provider_calls WHERE provider_call_id = $1::text`,
    [providerCallId],
  );
  return rows[0]?.up === true;
}

/** Hangs up an attempt still up (dialing or in conversation); idempotent. */
export async function hangUpSimulatedDial(client: SqlClient, input: { callId: string; attempt: number }): Promise<void> {
  await runSql(
    client,
    "sim_hang_up",
    `UPDATE simulated_provider_calls SET outcome = 'hung_up'
    WHERE call_id = $1::text AND attempt = $2::int AND outcome IN ('dialing', 'in_progress') AND purged_at IS NULL`,
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
