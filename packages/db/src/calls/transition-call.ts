import {
  CALL_STATUSES,
  type CallStatus,
  canTransition,
  canTransitionFrom,
  LIVE_STATUSES,
  RETRY_PENDING_ONLY_MOVES,
  RETRY_PENDING_STATUS,
  refundsCredits,
  STATUS_TIMESTAMP_COLUMN,
} from "@inbound/contracts";
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
  /** Leaving a live status: the outcome recorded on the attempt's row (default: the status moved to). */
  attemptOutcome?: string;
  /**
   * A claim (queued → dialing) that goes ahead only for a call with no call-order rule to check at dial time
   * (no not_before, not_after or calling hours) and not opted out; any other is left queued for the caller to
   * judge (@inbound/orders' decideDial) and claim again ungated.
   */
  gated?: boolean;
  /**
   * A move only the retry_pending sub-state allows (RETRY_PENDING_ONLY_MOVES, e.g. dialing → canceled while
   * the call waits for its next attempt): checked by canTransitionFrom here, and by the statement against
   * retry_pending_at at update time (a retry claimed meanwhile is not moved).
   */
  retryPending?: boolean;
  /**
   * Live statuses the call passes through between `from` and `to`, in order, each with its own note: one
   * conditional update walks the whole path (from → via… → to), with one event, stamp and status webhook
   * per step, as the separate moves would have, in ONE statement. How a call's provider events that arrive
   * together (ringing, answered, completed) are applied. Every step must be a legal move.
   */
  via?: readonly { status: CallStatus; detail?: string }[];
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

const RETRY_PENDING_ONLY_LIST = [...RETRY_PENDING_ONLY_MOVES]
  .filter((to) => !canTransition(RETRY_PENDING_STATUS, to))
  .map((s) => `'${s}'::call_status`)
  .join(", ");

const LIVE_LIST = [...LIVE_STATUSES].map((s) => `'${s}'::call_status`).join(", ");

/** Each stage's timestamp column, set when one of its statuses is entered (from the state machine's table). */
const STAMPS = [...new Set(Object.values(STATUS_TIMESTAMP_COLUMN))].map((column) => {
  const statuses = CALL_STATUSES.filter((s) => STATUS_TIMESTAMP_COLUMN[s] === column);
  const list = statuses.map((s) => `'${s}'`).join(", ");
  return `"${column}" = CASE WHEN i.to_status IN (${list}) OR i.via && ARRAY[${list}]::call_status[] THEN now() ELSE c."${column}" END`;
});

/**
 * Any number of transitions as ONE statement's WITH list, over `$1`: a JSON array of transitionInputs().
 * `input` (one row per request, `ord` its index), `moved` (the conditional updates from the expected
 * status only: status, the stage's timestamp, attempts, end reason, provider id, owner; RETURNING ord, id,
 * org_id, attempts, credits_reserved, request_id and the request's own columns), `moved_map` (the MovedRow
 * of each moved request by ord: `(SELECT map FROM moved_map) -> (i.ord::text)`), `refund`, `event` and
 * `engagement`. Data-modifying
 * WITH items always run to completion, read or not. A statement built on it (transitionCall below, the
 * dialer's claim) keeps these semantics and adds its own SELECT.
 *
 * One call twice in one statement moves at most once; the other request then sees the call as it was,
 * as if it had run first: the same outcome as two racing statements.
 */
export const TRANSITIONS_WITH = transitionsWith(`SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
      ord int, call_id text, org_id text, from_status call_status, to_status call_status, end_reason text,
      provider_call_id text, owner_dialer_id text, inc int, refund boolean, detail text, engagement boolean, transcript text,
      recording jsonb, duration_seconds int, due_at timestamptz, decision jsonb, attempt_outcome text, gated boolean,
      via call_status[], via_detail text[])`);

/**
 * TRANSITIONS_WITH over another `input`: a SELECT giving the same columns (ord, call_id, org_id, from_status,
 * to_status, end_reason, provider_call_id, owner_dialer_id, inc, refund, detail, engagement, transcript,
 * recording, duration_seconds, due_at, decision, attempt_outcome, gated, via, via_detail), e.g. every pending call to a
 * number (an opt-out's cancel, one statement).
 */
export function transitionsWith(inputSelect: string): string {
  return `WITH input AS (
    ${inputSelect}
  ), claim_rows AS (
    -- Claims (queued → dialing) take a slot of the organisation's max_concurrent_calls (SPEC §9). Locks are
    -- taken as every other move takes them, the call's row first and then its organisation's (a cancel racing
    -- a claim cannot deadlock with it), each kind in id order.
    -- The calls by primary key only: "(status = queued) IS TRUE" is a test no index matches. With a plain
    -- status = queued, the planner (its statistics lagging a burst of creates: "1 queued call") walked every
    -- queued call through the status index at each claim (8,246 of them, 11 ms, measured).
    SELECT i.ord, c.id, c.org_id, c.queued_at, c.status
    FROM input i JOIN calls c ON c.id = i.call_id AND c.deleted_at IS NULL
    WHERE i.from_status = 'queued'::call_status AND i.to_status = 'dialing'::call_status
      AND (c.status = 'queued'::call_status) IS TRUE
      AND (i.gated IS NOT TRUE OR (c.not_before IS NULL AND c.not_after IS NULL AND c.window_start IS NULL
        AND NOT EXISTS (SELECT 1 FROM opt_outs oo WHERE oo.org_id = c.org_id AND oo.number = c.contact_number)))
    ORDER BY c.id
    FOR UPDATE OF c
  ), claims AS (
    -- Of an organisation's calls claimed here, only as many as it has room for go ahead, oldest queued first
    -- (the lock below reads the latest live_calls).
    SELECT k.ord, k.id, k.org_id, k.status, row_number() OVER (PARTITION BY k.org_id ORDER BY k.queued_at, k.id) AS rank FROM claim_rows k
  ), claim_orgs AS (
    -- FOR UPDATE, not NO KEY UPDATE: see org_locks.
    SELECT o.id, o.max_concurrent_calls - o.live_calls AS room FROM organizations o
    WHERE o.id IN (SELECT org_id FROM claims)
    ORDER BY o.id
    FOR UPDATE OF o
  ), folded AS (
    -- The slots the organisation's ended calls gave back (slot_releases), taken by this claim and folded into
    -- live_calls below. Only once its row is locked (the DELETE reads claim_orgs), so two claims never wait for
    -- each other's releases in opposite orders; each release is deleted, and counted, by one statement only.
    DELETE FROM slot_releases s WHERE s.org_id IN (SELECT id FROM claim_orgs)
    RETURNING s.org_id, s.released
  ), folded_sum AS (
    SELECT org_id, sum(released)::int AS n FROM folded GROUP BY org_id
  ), granted AS (
    SELECT k.ord FROM claims k JOIN claim_orgs o ON o.id = k.org_id LEFT JOIN folded_sum f ON f.org_id = k.org_id
    WHERE k.rank <= o.room + COALESCE(f.n, 0)
  ), parked AS (
    -- A claim over the cap parks its call: it stays queued, without a job, until a slot frees (unparkCalls).
    UPDATE calls c SET parked_at = now()
    FROM claims k
    WHERE c.id = k.id AND k.ord NOT IN (SELECT ord FROM granted)
      -- k.status is queued (claim_rows): compared as a join clause, for the planner (see claim_rows).
      AND c.status = k.status AND c.parked_at IS NULL AND c.deleted_at IS NULL
    RETURNING c.id
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
      parked_at = NULL,
      window_decisions = CASE WHEN i.decision IS NULL THEN c.window_decisions ELSE c.window_decisions || jsonb_build_array(i.decision) END,
      updated_at = now()
    FROM input i
    WHERE c.id = i.call_id AND (i.org_id IS NULL OR c.org_id = i.org_id)
      AND c.status = i.from_status AND c.deleted_at IS NULL
      AND (i.from_status <> 'queued'::call_status OR i.to_status <> 'dialing'::call_status OR i.ord IN (SELECT ord FROM granted))
      -- A move only retry_pending allows (the state machine's RETRY_PENDING_ONLY_MOVES) needs it still set.
      AND (i.from_status <> '${RETRY_PENDING_STATUS}'::call_status
        OR COALESCE(i.via[1], i.to_status) NOT IN (${RETRY_PENDING_ONLY_LIST}) OR c.retry_pending_at IS NOT NULL)
      -- Redundant, for the planner: the calls by primary key, whatever it estimates (jsonb_to_recordset
      -- counts as 100 rows; on a small or freshly bloated table it would hash-join a scan of all calls).
      AND c.id = ANY (ARRAY(SELECT call_id FROM input))
    -- Each moved row carries its request's columns, so what follows reads \`moved\` alone: a join of two CTEs
    -- (estimated at one row each) was planned as a nested loop, quadratic in the batch (5 ms of 25 at 100).
    RETURNING i.ord, c.id, c.org_id, c.agent_id, c.attempts, c.credits_reserved, c.request_id, c.end_reason,
      i.from_status, i.to_status, i.inc, i.refund, i.detail, i.engagement, i.transcript, i.recording,
      i.duration_seconds, i.attempt_outcome, i.via, i.via_detail
  ), hops AS (
    -- Each step of each move (one, or more with \`via\`): from → via[1] → … → to, numbered from 1.
    SELECT m.ord, m.id, m.org_id, m.agent_id, m.attempts, m.end_reason, m.duration_seconds, h.n,
      h.n = COALESCE(cardinality(m.via), 0) + 1 AS last,
      (ARRAY[m.from_status] || COALESCE(m.via, '{}'))[h.n] AS hop_from,
      (COALESCE(m.via, '{}') || ARRAY[m.to_status])[h.n] AS hop_to,
      CASE WHEN h.n <= COALESCE(cardinality(m.via), 0) THEN m.via_detail[h.n] ELSE m.detail END AS hop_detail
    FROM moved m CROSS JOIN LATERAL generate_series(1, COALESCE(cardinality(m.via), 0) + 1) AS h(n)
  ), moved_map AS (
    -- What a statement's final SELECT answers per request, keyed by ord (one lookup per row, not a scan).
    SELECT jsonb_object_agg(m.ord::text, jsonb_build_object('ord', m.ord, 'id', m.id, 'org_id', m.org_id,
      'attempts', m.attempts, 'credits_reserved', m.credits_reserved, 'request_id', m.request_id)) AS map
    FROM moved m
  ), attempt_started AS (
    -- Each dial attempt is a row of its own (SPEC §9): opened by the move that counts it...
    INSERT INTO call_attempts (call_id, attempt)
    SELECT m.id, m.attempts FROM moved m WHERE m.inc > 0
    ON CONFLICT (call_id, attempt) DO NOTHING
    RETURNING call_id
  ), attempt_ended AS (
    -- ...and closed, with its outcome, by the move that leaves the live statuses.
    UPDATE call_attempts ca SET outcome = COALESCE(m.attempt_outcome, m.to_status::text), ended_at = now()
    FROM moved m
    WHERE ca.call_id = m.id AND ca.attempt = m.attempts AND ca.ended_at IS NULL
      AND m.from_status IN (${LIVE_LIST}) AND m.to_status NOT IN (${LIVE_LIST})
    RETURNING ca.call_id
  ), event AS (
    INSERT INTO call_events (call_id, from_status, to_status, detail)
    SELECT h.id, h.hop_from, h.hop_to, h.hop_detail FROM hops h ORDER BY h.ord, h.n
    RETURNING id
  ), engagement AS (
    INSERT INTO engagements (call_id, transcript, recording, duration_seconds)
    SELECT m.id, m.transcript, m.recording, m.duration_seconds FROM moved m
    WHERE m.engagement
    ON CONFLICT (call_id) DO NOTHING
    RETURNING call_id
  ), ${outboxCtes(`SELECT h.id AS call_id, h.org_id, h.agent_id, h.hop_to::text AS status,
      h.hop_from::text AS previous_status, h.attempts AS attempt,
      CASE WHEN h.last THEN h.end_reason END AS end_reason, CASE WHEN h.last THEN h.duration_seconds END AS duration_seconds,
      ${EVENTS_SO_FAR("h.id")} + h.n AS sequence
    FROM hops h`)}
  -- The organisation's CTEs. Data-modifying WITH items the final SELECT does not read run after it, the
  -- last-listed first (checked on Postgres 15): these run before the event, engagement and outbox inserts
  -- above, and the row they lock stays locked until the commit.
  , org_change AS (
    -- What this statement changes on each organisation: its refunds, the slots taken (calls entering a live
    -- status) and the slots given back (calls leaving them). Moves between live statuses (ringing, answered)
    -- change nothing there.
    SELECT m.org_id, COALESCE(sum(m.credits_reserved) FILTER (WHERE m.refund), 0) AS amount,
      (count(*) FILTER (WHERE m.to_status IN (${LIVE_LIST}) AND m.from_status NOT IN (${LIVE_LIST})))::int AS taken,
      (count(*) FILTER (WHERE m.from_status IN (${LIVE_LIST}) AND m.to_status NOT IN (${LIVE_LIST})))::int AS given
    FROM moved m
    GROUP BY m.org_id
  ), org_delta AS (
    -- What the organisation's row gets: refunds, slots taken, and the releases a claim folded (see folded).
    SELECT org_id, sum(amount)::int AS amount, sum(taken)::int AS taken, sum(folded)::int AS folded FROM (
      SELECT org_id, amount, taken, 0 AS folded FROM org_change
      UNION ALL SELECT org_id, 0, 0, n FROM folded_sum
    ) d GROUP BY org_id
  ), org_locks AS (
    -- The organisations this statement updates, locked in id order before any is updated (no deadlock
    -- between two statements ending calls of the same organisations in another order). A call that only ends
    -- (no refund: completed, or after an answer) leaves the row alone: it is the one row every claim of the
    -- organisation's calls locks.
    -- FOR UPDATE, not NO KEY UPDATE, here and in claim_orgs: the row is locked at its newest version but updated
    -- below through the version this statement's snapshot sees. Under NO KEY UPDATE, a foreign-key check's KEY
    -- SHARE (a release, a status webhook's message) could still hold an older version a committed refund had
    -- updated; updating through that version then queued for its tuple lock behind a statement that waited
    -- for this one: a deadlock (seen in CI, 100 cancels racing 2 dialers; org-row-locks.test.ts). FOR UPDATE
    -- admits no KEY SHARE beside it, so an older version never has a live locker.
    SELECT o.id FROM organizations o
    WHERE o.id IN (SELECT org_id FROM org_delta WHERE amount <> 0 OR taken <> 0 OR folded <> 0)
    ORDER BY o.id FOR UPDATE OF o
  ), refund AS (
    -- ONE update of each organisation row. Two updates of one row in one statement would lose one of them.
    UPDATE organizations o SET credits = o.credits + r.amount, live_calls = GREATEST(0, o.live_calls + r.taken - r.folded)
    FROM org_delta r
    WHERE o.id = r.org_id AND (r.amount <> 0 OR r.taken <> 0 OR r.folded <> 0) AND EXISTS (SELECT 1 FROM org_locks)
    RETURNING o.id
  ), released AS (
    -- The slots given back, appended: the organisation's next claim folds them into live_calls.
    INSERT INTO slot_releases (org_id, released)
    SELECT org_id, given FROM org_change WHERE given > 0
    RETURNING id
  )`;
}

/** The statuses a move goes through, in order: `from`, each of `via`, `to` (two for a one-step move). */
export function movePath(request: Pick<TransitionRequest, "from" | "to" | "via">): CallStatus[] {
  return [request.from, ...(request.via ?? []).map((step) => step.status), request.to];
}

/** Throws on a move the state machine does not allow (a programming error): each step of it, with `via`. */
export function assertTransition(request: Pick<TransitionRequest, "from" | "to" | "retryPending" | "via">): void {
  const path = movePath(request);
  for (let n = 1; n < path.length; n++) {
    const position = { status: path[n - 1] as CallStatus, retryPending: n === 1 && (request.retryPending ?? false) };
    if (!canTransitionFrom(position, path[n] as CallStatus)) {
      throw new Error(`illegal call transition ${position.status} → ${path[n]}`);
    }
  }
  for (const { status } of request.via ?? []) {
    if (!LIVE_STATUSES.has(status)) throw new Error(`a move passes through live statuses only, not ${status}`);
  }
}

/** The status a move's last step leaves (`from`, or the last of `via`): what its refund depends on. */
function lastStepFrom(request: Pick<TransitionRequest, "from" | "to" | "via">): CallStatus {
  return movePath(request).at(-2) as CallStatus;
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
        refund: refundsCredits(lastStepFrom(request), to),
        detail: request.detail ?? null,
        engagement: engagement !== undefined,
        transcript: engagement?.transcript ?? null,
        recording: engagement?.recording ?? null,
        duration_seconds: engagement ? Math.max(0, Math.round(engagement.durationSeconds)) : null,
        due_at: request.dueAt?.toISOString() ?? null,
        decision: request.decision ?? null,
        attempt_outcome: request.attemptOutcome ?? null,
        gated: request.gated ?? false,
        via: request.via?.length ? request.via.map((v) => v.status) : null,
        via_detail: request.via?.length ? request.via.map((v) => v.detail ?? null) : null,
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
    refunded: refundsCredits(lastStepFrom(request), request.to),
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
      (SELECT map FROM moved_map) -> (i.ord::text) AS moved,
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
