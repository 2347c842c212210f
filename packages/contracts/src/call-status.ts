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
 * `expired` (credit refunded).
 *
 * `failed` is also reachable from ringing and in_progress when a dialer lost the call (killed mid-call,
 * shutdown deadline): every call must end in exactly one terminal state.
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
] as const;

export type CallStatus = (typeof CALL_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<CallStatus> = new Set([
  "completed",
  "no_answer",
  "busy",
  "failed",
  "canceled",
  "expired",
]);

/** A call placed (or being placed) at the provider and not ended: its progress comes as provider events. */
export const LIVE_STATUSES: ReadonlySet<CallStatus> = new Set(["dialing", "ringing", "in_progress"]);

const TRANSITIONS: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  scheduled: ["queued", "canceled", "expired"],
  queued: ["dialing", "canceled", "scheduled", "expired"],
  dialing: ["ringing", "failed"],
  ringing: ["in_progress", "no_answer", "busy", "failed"],
  in_progress: ["completed", "failed"],
  completed: [],
  no_answer: [],
  busy: [],
  failed: [],
  canceled: [],
  expired: [],
};

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isLive(status: CallStatus): boolean {
  return LIVE_STATUSES.has(status);
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
  const previous = new Map<CallStatus, CallStatus>();
  const frontier: CallStatus[] = [from];
  while (frontier.length > 0) {
    const at = frontier.shift() as CallStatus;
    for (const next of TRANSITIONS[at]) {
      if (next === from || previous.has(next)) continue;
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
  queued: "queued_at",
};
