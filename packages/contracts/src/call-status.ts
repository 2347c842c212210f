/**
 * The call state machine: the only place that says which status may follow which.
 *
 *   queued ──► dialing ──► ringing ──► in_progress ──► completed
 *     │           │           ├──► no_answer
 *     │           │           └──► busy
 *     │           └──► failed (after retries of transient provider errors)
 *     └──► canceled (only from queued)
 *
 * Call orders (SPEC §9): a call that may not be dialled yet (before not_before, outside calling hours) is
 * `scheduled` until it is due, then `queued`; a queued call re-checked at dial time may go back to
 * `scheduled`; `canceled` works on scheduled calls too; a call that has not connected by not_after ends
 * `expired` (credit refunded). An attempt answered by a machine ends `voicemail` (refunded). An attempt that
 * ended no_answer, busy or voicemail with a redial due goes back to `scheduled` (ringing → scheduled): the
 * call's final status is its last attempt's outcome.
 *
 * `failed` is also reachable from ringing and in_progress when a dialer lost the call (killed mid-call,
 * shutdown deadline): every call must end in exactly one terminal state.
 *
 * One sub-state refines a status without leaving it: `retry_pending` (dialing, an attempt failed
 * transiently and the next one waits; the column retry_pending_at). Its moves are checked here too
 * (canTransitionSubState); every status transition clears it. A call in retry_pending is at no provider, so
 * it may also end `canceled` (SPEC §9: an opt-out cancels retry-pending calls), a move its status alone does
 * not allow (a dialing call being placed is never canceled): RETRY_PENDING_ONLY_MOVES, canTransitionFrom.
 *
 * Every status set lives here; SQL that needs a list of statuses builds it from these sets.
 */
export const CALL_STATUSES = [
  "queued",
  "dialing",
  "ringing",
  "in_progress",
  "completed",
  "no_answer",
  "busy",
  "failed",
  "canceled",
  "scheduled",
  "expired",
  "voicemail",
] as const;

export type CallStatus = (typeof CALL_STATUSES)[number];

/** Accepted and waiting for a dialer: nothing is up at the provider yet. */
export const QUEUED_STATUSES: ReadonlySet<CallStatus> = new Set(["queued"]);

/** A call placed (or being placed) at the provider and not ended: its progress comes as provider events. */
export const LIVE_STATUSES: ReadonlySet<CallStatus> = new Set(["dialing", "ringing", "in_progress"]);

/** Ended, exactly once: no transition leads out. */
export const TERMINAL_STATUSES: ReadonlySet<CallStatus> = new Set([
  "completed",
  "no_answer",
  "busy",
  "failed",
  "canceled",
  "expired",
  "voicemail",
]);

/** Accepted, not yet due (SPEC §9: before not_before, outside calling hours, or waiting for a redial). */
export const SCHEDULED_STATUSES: ReadonlySet<CallStatus> = new Set(["scheduled"]);

/** The sub-states (see the module comment) and the one status each refines. */
export const CALL_SUB_STATES = ["retry_pending"] as const;

export type CallSubState = (typeof CALL_SUB_STATES)[number];

export const SUB_STATE_OF: Readonly<Record<CallSubState, CallStatus>> = { retry_pending: "dialing" };

/** The status a call waiting for its next dial attempt is in (retry_pending_at set). */
export const RETRY_PENDING_STATUS: CallStatus = SUB_STATE_OF.retry_pending;

const TRANSITIONS: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  scheduled: ["queued", "canceled", "expired"],
  queued: ["dialing", "canceled", "scheduled", "expired"],
  dialing: ["ringing", "failed"],
  ringing: ["in_progress", "no_answer", "busy", "failed", "voicemail", "scheduled"],
  in_progress: ["completed", "failed"],
  completed: [],
  no_answer: [],
  busy: [],
  failed: [],
  canceled: [],
  expired: [],
  voicemail: [],
};

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * The statuses a call may move to only while in retry_pending (beyond its status's own moves). The
 * transition statement allows such a move only from a row whose retry_pending_at is set.
 */
export const RETRY_PENDING_ONLY_MOVES: ReadonlySet<CallStatus> = new Set(["canceled"]);

/** Whether a call at `call` (status and sub-state) may move to `to`. */
export function canTransitionFrom(call: CallPosition, to: CallStatus): boolean {
  return canTransition(call.status, to) || (isRetryPending(call) && RETRY_PENDING_ONLY_MOVES.has(to));
}

export function isQueued(status: CallStatus): boolean {
  return QUEUED_STATUSES.has(status);
}

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isLive(status: CallStatus): boolean {
  return LIVE_STATUSES.has(status);
}

/** Only a scheduled or queued call can be canceled (later, it is up at the provider or ended). */
export function isCancelable(status: CallStatus): boolean {
  return canTransition(status, "canceled");
}

/** What the sub-state predicates read of a call: its status and whether its retry_pending_at is set. */
export interface CallPosition {
  status: CallStatus;
  retryPending: boolean;
}

/** Waiting for its next dial attempt: nothing is up at the provider; its delayed job will dial again. */
export function isRetryPending(call: CallPosition): boolean {
  return call.retryPending && call.status === RETRY_PENDING_STATUS;
}

/** Live and not waiting for a retry: the call is (or may be) up at the provider, which alone knows more. */
export function isMidCall(call: CallPosition): boolean {
  return isLive(call.status) && !isRetryPending(call);
}

/**
 * Whether a call in `status` may move from sub-state `from` to `to` (null: none) without changing status:
 * into retry_pending (a transient provider error, its attempt over) and out of it (the next attempt
 * claimed). Both ends must belong to `status`; staying put is not a move.
 */
export function canTransitionSubState(status: CallStatus, from: CallSubState | null, to: CallSubState | null): boolean {
  if (from === to) return false;
  return [from, to].every((subState) => subState === null || SUB_STATE_OF[subState] === status);
}

/**
 * The moves that take a call from `from` to `to` through the state machine, shortest first (e.g. dialing →
 * completed is [ringing, in_progress, completed]); [] when the call is already there; null when `to` cannot
 * be reached any more (the call is past it, or ended otherwise). A provider event names where the call now
 * is; applying it walks this path one conditional move at a time, so an event that comes twice, late, or
 * before the one it follows is harmless.
 */
export function forwardPath(from: CallStatus, to: CallStatus): CallStatus[] | null {
  if (from === to) return [];
  // A scheduled call is at no provider, and going back to scheduled (a redial) is a decision, not a provider
  // fact: no walk starts there or passes through it (a late event of an attempt that ended never moves it).
  if (SCHEDULED_STATUSES.has(from) || SCHEDULED_STATUSES.has(to)) return null;
  const previous = new Map<CallStatus, CallStatus>();
  const frontier: CallStatus[] = [from];
  while (frontier.length > 0) {
    const at = frontier.shift() as CallStatus;
    for (const next of TRANSITIONS[at]) {
      if (next === from || previous.has(next) || SCHEDULED_STATUSES.has(next)) continue;
      previous.set(next, at);
      if (next === to) {
        const path: CallStatus[] = [to];
        for (let step = at; step !== from; step = previous.get(step) as CallStatus) path.unshift(step);
        return path;
      }
      frontier.push(next);
    }
  }
  return null;
}

/** A call that ends without ever being answered gives its credits back. */
export function refundsCredits(from: CallStatus, to: CallStatus): boolean {
  return isTerminal(to) && to !== "completed" && from !== "in_progress";
}

/** The timestamp column each status stamps when entered. */
export const STATUS_TIMESTAMP_COLUMN: Readonly<Partial<Record<CallStatus, string>>> = {
  dialing: "dialing_at",
  ringing: "ringing_at",
  in_progress: "answered_at",
  completed: "ended_at",
  no_answer: "ended_at",
  busy: "ended_at",
  failed: "ended_at",
  canceled: "ended_at",
  expired: "ended_at",
  voicemail: "ended_at",
  queued: "queued_at",
};
