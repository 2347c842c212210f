import type { ProviderEvent, ProviderEventKind } from "@inbound/contracts";
import { runSql, type SqlClient } from "../calls/run-sql";

/**
 * provider_events: every provider event is recorded here before anything acts on it (a status callback is
 * answered once its row is committed), then claimed and applied by a dialer. Invariant: an event is applied
 * at least once; applying it is idempotent (conditional transitions), so a lease that lapses while a dialer
 * was applying it (the dialer died) only means a second, harmless application.
 */

export interface RecordedProviderEvent extends ProviderEvent {
  id: string;
}

/**
 * Records events, any number in ONE statement (one round trip, one commit): the callback route's group
 * commit. Returns their ids, in order. Each row is durable once this resolves (the statement committed).
 */
export async function recordProviderEvents(client: SqlClient, events: readonly ProviderEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = await runSql<{ id: string }>(
    client,
    "provider_events_record",
    `INSERT INTO provider_events (provider, provider_call_id, call_id, attempt, kind, end_reason, duration_seconds)
    SELECT i.provider, i.provider_call_id, i.call_id, i.attempt, i.kind, i.end_reason, i.duration_seconds
    FROM jsonb_to_recordset($1::jsonb) AS i(ord int, provider text, provider_call_id text, call_id text, attempt int,
      kind text, end_reason text, duration_seconds int)
    ORDER BY i.ord
    RETURNING id::text AS id`,
    [
      JSON.stringify(
        events.map((event, ord) => ({
          ord,
          provider: event.provider,
          provider_call_id: event.providerCallId,
          call_id: event.callId,
          attempt: event.attempt,
          kind: event.kind,
          end_reason: event.endReason ?? null,
          duration_seconds: event.durationSeconds ?? null,
        })),
      ),
    ],
  );
  // Ids are drawn in insertion order (ORDER BY ord, one sequence): sorted, they match the events' order.
  return rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/** Records one event; returns its id (see recordProviderEvents). */
export async function recordProviderEvent(client: SqlClient, event: ProviderEvent): Promise<string> {
  const [id] = await recordProviderEvents(client, [event]);
  return id as string;
}

interface EventRow {
  id: string;
  provider: string;
  provider_call_id: string | null;
  call_id: string;
  attempt: number;
  kind: ProviderEventKind;
  end_reason: string | null;
  duration_seconds: number | null;
}

/**
 * Claims up to `limit` unapplied events whose lease is free (never claimed, or the claimer's lease lapsed),
 * oldest first, for leaseMs; rows another dialer is claiming right now are skipped (SKIP LOCKED).
 */
export async function claimProviderEvents(
  client: SqlClient,
  input: { limit: number; leaseMs: number },
): Promise<RecordedProviderEvent[]> {
  const rows = await runSql<EventRow>(
    client,
    "provider_events_claim",
    `UPDATE provider_events e SET claimed_until = now() + make_interval(secs => $2::float8)
    FROM (
      SELECT id FROM provider_events
      WHERE applied_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
      ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED
    ) due
    WHERE e.id = due.id
    RETURNING e.id::text AS id, e.provider, e.provider_call_id, e.call_id, e.attempt, e.kind, e.end_reason, e.duration_seconds`,
    [input.limit, input.leaseMs / 1000],
  );
  return rows
    .map((r) => ({
      id: r.id,
      provider: r.provider,
      providerCallId: r.provider_call_id,
      callId: r.call_id,
      attempt: r.attempt,
      kind: r.kind,
      endReason: r.end_reason,
      durationSeconds: r.duration_seconds,
    }))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** Marks events applied, with what applying them did (one statement for any number). */
export async function markProviderEventsApplied(
  client: SqlClient,
  applied: readonly { id: string; outcome: string }[],
): Promise<void> {
  if (applied.length === 0) return;
  await runSql(
    client,
    "provider_events_applied",
    `UPDATE provider_events e SET applied_at = now(), outcome = i.outcome, claimed_until = NULL
    FROM jsonb_to_recordset($1::jsonb) AS i(id bigint, outcome text)
    WHERE e.id = i.id`,
    [JSON.stringify(applied.map((a) => ({ id: a.id, outcome: a.outcome })))],
  );
}

/** Events recorded and not applied yet (a growing figure means the dialers are behind, or all down). */
export async function countPendingProviderEvents(client: SqlClient): Promise<number> {
  const rows = await runSql<{ n: number }>(
    client,
    "provider_events_pending",
    `SELECT count(*)::int AS n FROM provider_events WHERE applied_at IS NULL`,
    [],
  );
  return rows[0]?.n ?? 0;
}
