import {
  CALL_STATUSES,
  canTransition,
  canTransitionFrom,
  forwardPath,
  isLive,
  isTerminal,
  LIVE_STATUSES,
  refundsCredits,
  TERMINAL_STATUSES,
} from "./call-status";
import { PROVIDER_EVENT_KINDS, statusOfProviderEvent } from "./provider-event";
import { TWILIO_CALL_STATUSES, twilioEventOf } from "./twilio-status";

/** The state machine alone, without a database. */
test("every status is exactly one of waiting (scheduled, queued), live or terminal", () => {
  for (const status of CALL_STATUSES) {
    const kinds = [
      status === "queued" || status === "scheduled",
      LIVE_STATUSES.has(status),
      TERMINAL_STATUSES.has(status),
    ].filter(Boolean);
    expect({ status, kinds: kinds.length }).toEqual({ status, kinds: 1 });
  }
  expect([...LIVE_STATUSES]).toEqual(["dialing", "ringing", "in_progress"]);
  expect(isLive("ringing")).toBe(true);
  expect(isTerminal("canceled")).toBe(true);
});

test("terminal states have no way out; canceled only from queued", () => {
  for (const from of TERMINAL_STATUSES) for (const to of CALL_STATUSES) expect(canTransition(from, to)).toBe(false);
  expect(CALL_STATUSES.filter((from) => canTransition(from, "canceled")).sort()).toEqual(["queued", "scheduled"]);
  expect(canTransition("dialing", "completed")).toBe(false);
});

test("a call waiting for its transient retry (dialing, retry_pending) may be canceled; a dialing call being placed may not", () => {
  expect(canTransitionFrom({ status: "dialing", retryPending: true }, "canceled")).toBe(true);
  expect(canTransitionFrom({ status: "dialing", retryPending: false }, "canceled")).toBe(false);
  expect(canTransitionFrom({ status: "ringing", retryPending: true }, "canceled")).toBe(false);
  expect(canTransitionFrom({ status: "dialing", retryPending: true }, "ringing")).toBe(true);
});

test("call orders: scheduled until due, deferred again at dial time, expired past not_after (refunded)", () => {
  expect(canTransition("scheduled", "queued")).toBe(true);
  expect(canTransition("queued", "scheduled")).toBe(true);
  expect(canTransition("scheduled", "dialing")).toBe(false);
  expect(canTransition("scheduled", "expired")).toBe(true);
  expect(canTransition("queued", "expired")).toBe(true);
  expect(isTerminal("expired")).toBe(true);
  expect(refundsCredits("scheduled", "expired")).toBe(true);
  expect(refundsCredits("scheduled", "canceled")).toBe(true);
  expect(refundsCredits("scheduled", "queued")).toBe(false);
});

test("a credit comes back exactly when a call ends without having been answered", () => {
  expect(refundsCredits("ringing", "no_answer")).toBe(true);
  expect(refundsCredits("dialing", "failed")).toBe(true);
  expect(refundsCredits("queued", "canceled")).toBe(true);
  expect(refundsCredits("in_progress", "failed")).toBe(false);
  expect(refundsCredits("in_progress", "completed")).toBe(false);
  expect(refundsCredits("dialing", "ringing")).toBe(false);
});

test("forwardPath: the shortest legal walk to a status; [] when there; null when past it or ended otherwise", () => {
  expect(forwardPath("dialing", "completed")).toEqual(["ringing", "in_progress", "completed"]);
  expect(forwardPath("dialing", "busy")).toEqual(["ringing", "busy"]);
  expect(forwardPath("ringing", "failed")).toEqual(["failed"]);
  expect(forwardPath("in_progress", "in_progress")).toEqual([]);
  expect(forwardPath("in_progress", "ringing")).toBeNull();
  expect(forwardPath("completed", "failed")).toBeNull();
  expect(forwardPath("in_progress", "busy")).toBeNull();
  // Every path it gives is made of legal moves only.
  for (const from of CALL_STATUSES)
    for (const to of CALL_STATUSES) {
      const path = forwardPath(from, to);
      if (!path) continue;
      let at = from;
      for (const next of path) {
        expect({ at, next, legal: canTransition(at, next) }).toEqual({ at, next, legal: true });
        at = next;
      }
      expect(at).toBe(to);
    }
});

test("every provider event names a status reachable from dialing; every Twilio status maps", () => {
  for (const kind of PROVIDER_EVENT_KINDS) expect(forwardPath("dialing", statusOfProviderEvent(kind))).not.toBeNull();
  expect(TWILIO_CALL_STATUSES.map((s) => [s, twilioEventOf(s)?.kind ?? null])).toEqual([
    ["queued", null],
    ["initiated", null],
    ["ringing", "ringing"],
    ["in-progress", "answered"],
    ["completed", "completed"],
    ["busy", "busy"],
    ["no-answer", "no_answer"],
    ["failed", "failed"],
    ["canceled", "failed"],
  ]);
});
