import { CALL_STATUSES, type CallStatus, canTransition, refundsCredits, STATUS_TIMESTAMP_COLUMN } from "@inbound/contracts";
import { EVENTS_SO_FAR, outboxCtes } from "../webhooks/outbox-sql";
import { runSql, type SqlClient } from "./run-sql";

export interface TransitionRequest {
  callId: string;
  /** When set, a call of another organisation behaves exactly like a missing one. */
  orgId?: string;
  from: CallStatus;
  to: CallStatus;
  /** PII-free note for the event log (an end reason, an error code). */
  detail?: string;
  endReason?: string;
  providerCallId?: string;
  /** Counts a dial attempt (queued → dialing, or a retry). */
  incrementAttempts?: boolean;
  /** Makes this dialer process the call's owner (the claim queued → dialing): see dialer-liveness.ts. */
  ownerDialerId?: string;
  /**
   * What a connected call produced, inserted in the same statement as the move (so a call is `completed`
   * exactly when it has its engagement). Kept if one exists already.
   */
  engagement?: EngagementRecord;
  /** A move into `scheduled`: when the call is due (the reconciler's index). Leaving scheduled clears it. */
  dueAt?: Date;
  /** A calling-window decision to append to the call's window_decisions (PII-free JSON). */
  decision?: Record<string, unknown>;
}

export interface EngagementRecord {
  transcript: string | null;
  /** Recording metadata (URL, format, duration): JSON, no audio. */
  recording: Record<string, unknown> | null;
  durationSeconds: number;
}

export interface MovedCall {
  id: string;
  orgId: string;
  status: CallStatus;
  attempts: number;
  creditsReserved: number;
  refunded: boolean;
  requestId: string | null;
}

export type TransitionResult =
  | { moved: true; call: MovedCall }
  /** current is null when the call does not exist for this organisation, or was deleted. */
  | { moved: false; current: CallStatus | null };

/** Each stage's timestamp column, set when one of its statuses is entered (from the state machine's table). */
const STAMPS = [...new Set(Object.values(STATUS_TIMESTAMP_COLUMN))].map((column) => {
  const statuses = CALL_STATUSES.filter((s) => STATUS_TIMESTAMP_COLUMN[s] === column);
  return `"${column}" = CASE WHEN i.to_status IN (${statuses.map((s) => `'${s}'`).join(", ")}) THEN now() ELSE c."${column}" END`;
});

/**
 * Any number of transitions as ONE statement's WITH list, over `$1`: a JSON array of transitionInputs().
 * `input` (one row per request, `ord` its index), `moved` (the conditional updates from the expected
 * status only: status, the stage's timestamp, attempts, end reason, provider id, owner; RETURNING ord, id,
 * org_id, attempts, credits_reserved, request_id), `refund`, `event` and `engagement`. Data-modifying
 * WITH items always run to completion, read or not. A statement built on it (transitionCall below, the
 * dialer's claim) keeps these semantics and adds its own SELECT.
 *
 * One call twice in one statement moves at most once; the other request then sees the call as it was,
 * as if it had run first: the same outcome as two racing statements.
 */
export const TRANSITIONS_WITH = transitionsWith(`SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
      ord int, call_id text, org_id text, from_status call_status, to_status call_status, end_reason text,
      provider_call_id text, owner_dialer_id text, inc int, refund boolean, detail text, engagement boolean, transcript text,
      recording jsonb, duration_seconds int, due_at timestamptz, decision jsonb)`);

/**
 * TRANSITIONS_WITH over another `input`: a SELECT giving the same columns (ord, call_id, org_id, from_status,
 * to_status, end_reason, provider_call_id, owner_dialer_id, inc, refund, detail, engagement, transcript,
 * recording, duration_seconds, due_at, decision), e.g. every pending call to a number (an opt-out's cancel, one statement).
 */
export function transitionsWith(inputSelect: string): string {
  return `WITH input AS (
    ${inputSelect}
  ), moved AS (
    UPDATE calls c SET
      status = i.to_status,
      ${STAMPS.join(",\n      ")},
      attempts = c.attempts + i.inc,
      end_reason = COALESCE(i.end_reason, c.end_reason),
      provider_call_id = COALESCE(i.provider_call_id, c.provider_call_id),
      owner_dialer_id = COALESCE(i.owner_dialer_id, c.owner_dialer_id),
      retry_pending_at = NULL,
      due_at = CASE WHEN i.to_status = 'scheduled' THEN i.due_at END,
      window_decisions = CASE WHEN i.decision IS NULL THEN c.window_decisions ELSE c.window_decisions || jsonb_build_array(i.decision) END,
      updated_at = now()
    FROM input i
    WHERE c.id = i.call_id AND (i.org_id IS NULL OR c.org_id = i.org_id)
      AND c.status = i.from_status AND c.deleted_at IS NULL
    RETURNING i.ord, c.id, c.org_id, c.attempts, c.credits_reserved, c.request_id
  ), refund AS (
    UPDATE organizations o SET credits = o.credits + r.amount
    FROM (
      SELECT m.org_id, sum(m.credits_reserved) AS amount FROM moved m JOIN input i ON i.ord = m.ord
      WHERE i.refund GROUP BY m.org_id
    ) r
    WHERE o.id = r.org_id
    RETURNING o.id
  ), event AS (
    INSERT INTO call_events (call_id, from_status, to_status, detail)
    SELECT m.id, i.from_status, i.to_status, i.detail FROM moved m JOIN input i ON i.ord = m.ord ORDER BY i.ord
    RETURNING id
  ), engagement AS (
    INSERT INTO engagements (call_id, transcript, recording, duration_seconds)
    SELECT m.id, i.transcript, i.recording, i.duration_seconds FROM moved m JOIN input i ON i.ord = m.ord
    WHERE i.engagement
    ON CONFLICT (call_id) DO NOTHING
    RETURNING call_id
  ), ${outboxCtes(`SELECT m.id AS call_id, m.org_id, c.agent_id, i.to_status::text AS status,
      i.from_status::text AS previous_status, m.attempts AS attempt, COALESCE(i.end_reason, c.end_reason) AS end_reason,
      i.duration_seconds, ${EVENTS_SO_FAR("m.id")} + 1 AS sequence
    FROM moved m JOIN input i ON i.ord = m.ord JOIN calls c ON c.id = m.id`)}`;
}

/** Throws on a move the state machine does not allow (a programming error). */
export function assertTransition(request: Pick<TransitionRequest, "from" | "to">): void {
  if (!canTransition(request.from, request.to)) throw new Error(`illegal call transition ${request.from} → ${request.to}`);
}

/** Validates requests against the state machine; the `$1` of TRANSITIONS_WITH (one JSON text). */
export function transitionInputs(requests: readonly TransitionRequest[]): string {
  return JSON.stringify(
    requests.map((request, ord) => {
      assertTransition(request);
      const { from, to, engagement } = request;
      return {
        ord,
        call_id: request.callId,
        org_id: request.orgId ?? null,
        from_status: from,
        to_status: to,
        end_reason: request.endReason ?? null,
        provider_call_id: request.providerCallId ?? null,
        owner_dialer_id: request.ownerDialerId ?? null,
        inc: request.incrementAttempts ? 1 : 0,
        refund: refundsCredits(from, to),
        detail: request.detail ?? null,
        engagement: engagement !== undefined,
        transcript: engagement?.transcript ?? null,
        recording: engagement?.recording ?? null,
        duration_seconds: engagement ? Math.max(0, Math.round(engagement.durationSeconds)) : null,
        due_at: request.dueAt?.toISOString() ?? null,
        decision: request.decision ?? null,
      };
    }),
  );
}

/** A row of TRANSITIONS_WITH's `moved`. */
export interface MovedRow {
  ord: number;
  id: string;
  org_id: string;
  attempts: number;
  credits_reserved: number;
  request_id: string | null;
}

export function movedCall(row: MovedRow, request: TransitionRequest): MovedCall {
  return {
    id: row.id,
    orgId: row.org_id,
    status: request.to,
    attempts: row.attempts,
    creditsReserved: row.credits_reserved,
    refunded: refundsCredits(request.from, request.to),
    requestId: row.request_id,
  };
}

/**
 * Moves calls from one status to the next. Each move is a conditional update from the expected status
 * only, with the stage's timestamp, the event log row, and the credit refund when the call ends without
 * having been answered, all in ONE statement (exactly-once refunds follow from the conditional update);
 * several moves given together share that statement, its round trip and its commit.
 * On the pg pool it runs as one named prepared statement, whatever the transitions.
 */
export async function transitionCalls(client: SqlClient, requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
  if (requests.length === 0) return [];
  const rows = await runSql<{ ord: number; moved: MovedRow | null; current: CallStatus | null }>(
    client,
    "transition_calls",
    `${TRANSITIONS_WITH}
    SELECT i.ord,
      (SELECT row_to_json(m) FROM moved m WHERE m.ord = i.ord) AS moved,
      (SELECT c.status::text FROM calls c
        WHERE c.id = i.call_id AND (i.org_id IS NULL OR c.org_id = i.org_id) AND c.deleted_at IS NULL) AS current
    FROM input i`,
    [transitionInputs(requests)],
  );
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  return Promise.all(
    requests.map(async (request, ord): Promise<TransitionResult> => {
      const row = byOrd.get(ord);
      if (row?.moved) return { moved: true, call: movedCall(row.moved, request) };
      if (row?.current === request.from) {
        // The update lost a race (another statement moved the call after this one's snapshot was taken):
        // the snapshot still shows `from`, so read the status that won.
        return { moved: false, current: await currentStatus(client, request.callId, request.orgId) };
      }
      return { moved: false, current: row?.current ?? null };
    }),
  );
}

/** One move (see transitionCalls). */
export async function transitionCall(client: SqlClient, request: TransitionRequest): Promise<TransitionResult> {
  const [result] = await transitionCalls(client, [request]);
  return result as TransitionResult;
}

/** The call's status now (null: missing for this organisation, or deleted). */
export async function currentStatus(client: SqlClient, callId: string, orgId?: string): Promise<CallStatus | null> {
  const rows = await runSql<{ status: CallStatus }>(
    client,
    "call_current_status",
    `SELECT status::text AS status FROM calls
    WHERE id = $1::text AND ($2::text IS NULL OR org_id = $2::text) AND deleted_at IS NULL`,
    [callId, orgId ?? null],
  );
  return rows[0]?.status ?? null;
}
