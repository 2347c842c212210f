import { type CallStatus, LIVE_STATUSES, RETRY_PENDING_STATUS } from "@inbound/contracts";
import { runSql, type SqlClient } from "../calls/run-sql";
import { statusListSql } from "../calls/status-sql";
import {
  type MovedCall,
  type MovedRow,
  movedCall,
  type TransitionRequest,
  TRANSITIONS_WITH,
  transitionInputs,
} from "../calls/transition-call";

/** The state machine's sets as SQL (packages/contracts/src/call-status.ts): the statement texts stay constant. */
const LIVE = statusListSql(LIVE_STATUSES);
/** The status the retry_pending sub-state refines (dialing). */
const RETRY_STATUS = statusListSql([RETRY_PENDING_STATUS]);

/** What the dialer needs to place a call. Contact data is read here, from Postgres: jobs carry ids only. */
export interface DialableCall {
  id: string;
  orgId: string;
  agentId: string;
  agentName: string;
  status: CallStatus;
  attempts: number;
  /** Set while a transient provider error waits for its retry; null otherwise. */
  retryPending: boolean;
  /** Milliseconds until the pending retry is due (by Postgres' clock); 0 when due or none is pending. */
  retryDueInMs: number;
  contactNumber: string | null;
  contactName: string | null;
  additionalInfo: Record<string, unknown> | null;
  providerCallId: string | null;
  requestId: string | null;
  /** Seconds since the call was answered (null when it never was): the duration of a call lost mid-conversation. */
  secondsSinceAnswered: number | null;
  /** Seconds since the call was first dialled (null before): against the longest a call may last (CALL_MAX_DURATION_MS). */
  secondsSinceDialing: number | null;
  /** The call order's rules, re-checked right before each dial attempt (SPEC §9). */
  order: DialOrder;
}

export interface DialOrder {
  notBefore: Date | null;
  notAfter: Date | null;
  /** Local minutes [start, end); null = any hour. */
  windowStart: number | null;
  windowEnd: number | null;
  timeZones: string[];
  /** The number is on the organisation's do-not-call list now. */
  optedOut: boolean;
}

interface DialableRow {
  id: string;
  org_id: string;
  agent_id: string;
  agent_name: string;
  status: CallStatus;
  attempts: number;
  retry_pending: boolean;
  retry_due_in_ms: number | null;
  contact_number: string | null;
  contact_name: string | null;
  additional_info: Record<string, unknown> | null;
  provider_call_id: string | null;
  request_id: string | null;
  seconds_since_answered: number | null;
  seconds_since_dialing: number | null;
  not_before: Date | null;
  not_after: Date | null;
  window_start: number | null;
  window_end: number | null;
  time_zones: string[];
  opted_out: boolean;
}

const DIALABLE_COLUMNS = `c.id, c.org_id, c.agent_id, a.name AS agent_name, c.contact_number, c.contact_name,
  c.additional_info, c.provider_call_id, c.request_id, c.not_before, c.not_after, c.window_start, c.window_end,
  c.time_zones, EXISTS (SELECT 1 FROM opt_outs oo WHERE oo.org_id = c.org_id AND oo.number = c.contact_number) AS opted_out`;

function dialable(row: DialableRow): DialableCall {
  return {
    id: row.id,
    orgId: row.org_id,
    agentId: row.agent_id,
    agentName: row.agent_name,
    status: row.status,
    attempts: row.attempts,
    retryPending: row.retry_pending,
    retryDueInMs: row.retry_due_in_ms ?? 0,
    contactNumber: row.contact_number,
    contactName: row.contact_name,
    additionalInfo: row.additional_info,
    providerCallId: row.provider_call_id,
    requestId: row.request_id,
    secondsSinceAnswered: row.seconds_since_answered,
    secondsSinceDialing: row.seconds_since_dialing,
    order: {
      notBefore: row.not_before,
      notAfter: row.not_after,
      windowStart: row.window_start,
      windowEnd: row.window_end,
      timeZones: row.time_zones,
      optedOut: row.opted_out,
    },
  };
}

/** The call for a dial job; null when it does not exist (for this organisation) or was deleted. */
export async function loadDialableCall(
  client: SqlClient,
  input: { callId: string; orgId: string },
): Promise<DialableCall | null> {
  const rows = await runSql<DialableRow>(
    client,
    "dialer_load_call",
    `SELECT ${DIALABLE_COLUMNS}, c.status::text AS status, c.attempts,
      c.retry_pending_at IS NOT NULL AS retry_pending,
      GREATEST(0, CEIL(EXTRACT(EPOCH FROM (c.retry_pending_at - now())) * 1000))::int AS retry_due_in_ms,
      EXTRACT(EPOCH FROM (now() - c.answered_at))::float8 AS seconds_since_answered,
      EXTRACT(EPOCH FROM (now() - c.dialing_at))::float8 AS seconds_since_dialing
    FROM calls c JOIN agents a ON a.id = c.agent_id
    WHERE c.id = $1::text AND c.org_id = $2::text AND c.deleted_at IS NULL`,
    [input.callId, input.orgId],
  );
  return rows[0] ? dialable(rows[0]) : null;
}

export type ClaimResult =
  /** queued → dialing happened (attempt counted, event logged): this caller dials `call`. */
  | { claimed: true; call: DialableCall; moved: MovedCall }
  /**
   * Not queued (as `call` shows), or a concurrent statement won the claim (`call.status` still `queued`), or
   * (waitingForSlot) the organisation is at its max_concurrent_calls: the call is parked, queued without a
   * job, until a slot frees (unparkCalls).
   */
  | { claimed: false; call: DialableCall | null; waitingForSlot?: boolean; needsCheck?: boolean };

export interface ClaimRequest {
  callId: string;
  orgId: string;
  /** The event's note. */
  detail?: string;
  /** The claiming dialer process: it becomes the call's owner in the same statement (see dialer-liveness.ts). */
  dialerId?: string;
  /**
   * Claim only a call with no call-order rule to check (see TransitionRequest.gated); one with rules comes
   * back unclaimed with needsCheck, for the caller to decide (decideDial) and claim again with gated false.
   */
  gated?: boolean;
}

const claimTransition = (job: ClaimRequest): TransitionRequest => ({
  callId: job.callId,
  orgId: job.orgId,
  from: "queued",
  to: "dialing",
  incrementAttempts: true,
  detail: job.detail,
  ownerDialerId: job.dialerId,
  gated: job.gated,
});

/**
 * The first step of dial jobs, in one round trip for any number of them: claims each call that is queued
 * (queued → dialing through the state machine's own statement: attempts + 1, event, stamp) and reads what
 * dialing needs; a call in any other state is only read. `call` null: missing for this organisation, or deleted.
 */
export async function claimQueuedCalls(client: SqlClient, jobs: readonly ClaimRequest[]): Promise<ClaimResult[]> {
  if (jobs.length === 0) return [];
  const requests = jobs.map(claimTransition);
  // The read sees the snapshot from before the update: status, attempts and retry come from `moved`
  // when the claim happened; the contact data does not change in a transition.
  const rows = await runSql<DialableRow & { ord: number; moved: MovedRow | null; waiting_for_slot: boolean; needs_check: boolean }>(
    client,
    "dialer_claim_calls",
    `${TRANSITIONS_WITH}
    SELECT i.ord, ${DIALABLE_COLUMNS}, c.status::text AS status, c.attempts,
      c.retry_pending_at IS NOT NULL AS retry_pending,
      GREATEST(0, CEIL(EXTRACT(EPOCH FROM (c.retry_pending_at - now())) * 1000))::int AS retry_due_in_ms,
      EXTRACT(EPOCH FROM (now() - c.answered_at))::float8 AS seconds_since_answered,
      EXTRACT(EPOCH FROM (now() - c.dialing_at))::float8 AS seconds_since_dialing,
      (SELECT map FROM moved_map) -> (i.ord::text) AS moved,
      (c.status = 'queued'::call_status AND i.ord NOT IN (SELECT ord FROM granted)
        AND i.ord IN (SELECT ord FROM claims)) AS waiting_for_slot,
      (c.status = 'queued'::call_status AND i.gated AND i.ord NOT IN (SELECT ord FROM claims)) AS needs_check
    FROM input i
    JOIN calls c ON c.id = i.call_id AND c.org_id = i.org_id AND c.deleted_at IS NULL
      AND c.id = ANY (ARRAY(SELECT call_id FROM input)) -- redundant: by primary key whatever the estimates
    JOIN agents a ON a.id = c.agent_id`,
    [transitionInputs(requests)],
  );
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  return requests.map((request, ord): ClaimResult => {
    const row = byOrd.get(ord);
    if (!row) return { claimed: false, call: null };
    const call = dialable(row);
    if (!row.moved) {
      return {
        claimed: false,
        call,
        ...(row.waiting_for_slot ? { waitingForSlot: true } : {}),
        ...(row.needs_check ? { needsCheck: true } : {}),
      };
    }
    const moved = movedCall(row.moved, request);
    return {
      claimed: true,
      call: { ...call, status: "dialing", attempts: moved.attempts, retryPending: false, retryDueInMs: 0 },
      moved,
    };
  });
}

/** One claim (see claimQueuedCalls). */
export async function claimQueuedCall(client: SqlClient, job: ClaimRequest): Promise<ClaimResult> {
  const [result] = await claimQueuedCalls(client, [job]);
  return result as ClaimResult;
}

/**
 * Claims the next dial attempt of a call waiting for its retry: only the one caller whose conditional
 * update clears retry_pending_at may dial, so a duplicated or redelivered job cannot dial twice.
 * The claiming dialer becomes the call's owner in the same statement.
 * Returns the new attempt number, or null when the retry is not (or no longer) ours to place.
 */
export async function claimRetryAttempt(
  client: SqlClient,
  input: { callId: string; attempts: number; dialerId?: string },
): Promise<number | null> {
  const rows = await runSql<{ attempts: number }>(
    client,
    "dialer_claim_retry",
    `UPDATE calls SET attempts = attempts + 1, retry_pending_at = NULL, updated_at = now(),
      owner_dialer_id = COALESCE($3::text, owner_dialer_id)
    WHERE id = $1::text AND status = ${RETRY_STATUS} AND deleted_at IS NULL
      AND retry_pending_at IS NOT NULL AND retry_pending_at <= now() AND attempts = $2::int
    RETURNING attempts`,
    [input.callId, input.attempts, input.dialerId ?? null],
  );
  return rows[0]?.attempts ?? null;
}

/**
 * Marks a call in `dialing` whose attempt `attempts` failed transiently as safe to dial again after
 * delayMs, and logs it (PII-free) in the call's events. False when the call is not in that state.
 */
export async function scheduleRetry(
  client: SqlClient,
  input: { callId: string; attempts: number; delayMs: number; detail: string },
): Promise<boolean> {
  const rows = await runSql<{ scheduled: boolean }>(
    client,
    "dialer_schedule_retry",
    `WITH scheduled AS (
      UPDATE calls SET retry_pending_at = now() + make_interval(secs => $3::float8), updated_at = now()
      WHERE id = $1::text AND status = ${RETRY_STATUS} AND deleted_at IS NULL
        AND retry_pending_at IS NULL AND attempts = $2::int
      RETURNING id
    ), event AS (
      INSERT INTO call_events (call_id, from_status, to_status, detail)
      SELECT id, ${RETRY_STATUS}, ${RETRY_STATUS}, $4::text FROM scheduled
      RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM scheduled) AS scheduled`,
    [input.callId, input.attempts, input.delayMs / 1000, input.detail],
  );
  return rows[0]?.scheduled ?? false;
}

/**
 * Records where the provider placed attempts (its call id), any number in one statement: only on a call
 * still live in that very attempt (a late write never touches a call that moved on to another attempt or
 * ended). Returns for each whether it applied. Also marks the call as seen now (updated_at).
 */
export async function recordPlacements(
  client: SqlClient,
  placements: readonly { callId: string; attempt: number; providerCallId: string }[],
): Promise<boolean[]> {
  if (placements.length === 0) return [];
  const rows = await runSql<{ id: string }>(
    client,
    "dialer_record_placements",
    `UPDATE calls c SET provider_call_id = i.provider_call_id, updated_at = now()
    FROM jsonb_to_recordset($1::jsonb) AS i(call_id text, attempt int, provider_call_id text)
    WHERE c.id = i.call_id AND c.attempts = i.attempt AND c.deleted_at IS NULL
      AND c.status IN (${LIVE})
      -- Redundant, for the planner: the calls by primary key (it also planned a scan of every live call).
      AND c.id = ANY ($2::text[])
    RETURNING c.id`,
    [
      JSON.stringify(placements.map((p) => ({ call_id: p.callId, attempt: p.attempt, provider_call_id: p.providerCallId }))),
      placements.map((p) => p.callId),
    ],
  );
  const done = new Set(rows.map((r) => r.id));
  return placements.map((p) => done.has(p.callId));
}

/** Where a call stands, for applying a provider event to it: no contact data. */
export interface CallProgress {
  id: string;
  orgId: string;
  status: CallStatus;
  attempts: number;
  retryPending: boolean;
  providerCallId: string | null;
  secondsSinceAnswered: number | null;
}

/** The progress of calls, any number in one statement (missing or deleted calls are left out). */
export async function loadCallProgress(client: SqlClient, callIds: readonly string[]): Promise<CallProgress[]> {
  if (callIds.length === 0) return [];
  const rows = await runSql<{
    id: string;
    org_id: string;
    status: CallStatus;
    attempts: number;
    retry_pending: boolean;
    provider_call_id: string | null;
    seconds_since_answered: number | null;
  }>(
    client,
    "dialer_load_progress",
    `SELECT id, org_id, status::text AS status, attempts, retry_pending_at IS NOT NULL AS retry_pending, provider_call_id,
      EXTRACT(EPOCH FROM (now() - answered_at))::float8 AS seconds_since_answered
    FROM calls WHERE id = ANY($1::text[]) AND deleted_at IS NULL`,
    [callIds],
  );
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    status: r.status,
    attempts: r.attempts,
    retryPending: r.retry_pending,
    providerCallId: r.provider_call_id,
    secondsSinceAnswered: r.seconds_since_answered,
  }));
}

/** Marks a live call as looked at now (updated_at), so the reconciler asks its provider again only later. */
export async function touchLiveCall(client: SqlClient, input: { callId: string; status: CallStatus }): Promise<void> {
  await runSql(
    client,
    "dialer_touch_live_call",
    `UPDATE calls SET updated_at = now() WHERE id = $1::text AND status = $2::call_status AND deleted_at IS NULL`,
    [input.callId, input.status],
  );
}
