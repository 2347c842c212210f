import {
  CALL_STATUSES,
  CALL_SUB_STATES,
  type CallStatus,
  canTransition,
  canTransitionSubState,
  forwardPath,
  isCancelable,
  isLive,
  isMidCall,
  isQueued,
  isRetryPending,
  isTerminal,
  LIVE_STATUSES,
  QUEUED_STATUSES,
  RETRY_PENDING_STATUS,
  refundsCredits,
  SCHEDULED_STATUSES,
  STATUS_TIMESTAMP_COLUMN,
  TERMINAL_STATUSES,
} from "./call-status";

/** The state machine written out by hand: every pair not listed here must be refused. */
const ALLOWED: readonly (readonly [CallStatus, CallStatus])[] = [
  ["scheduled", "queued"],
  ["scheduled", "canceled"],
  ["scheduled", "expired"],
  ["queued", "dialing"],
  ["queued", "canceled"],
  ["queued", "scheduled"],
  ["queued", "expired"],
  ["dialing", "ringing"],
  ["dialing", "failed"],
  ["ringing", "in_progress"],
  ["ringing", "no_answer"],
  ["ringing", "busy"],
  ["ringing", "failed"],
  ["ringing", "voicemail"],
  ["ringing", "scheduled"],
  ["in_progress", "completed"],
  ["in_progress", "failed"],
];
const allowed = new Set(ALLOWED.map(([from, to]) => `${from}→${to}`));
const pairs = CALL_STATUSES.flatMap((from) => CALL_STATUSES.map((to) => [from, to] as const));

describe("transitions", () => {
  test.each(ALLOWED)("%s → %s is allowed", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  test.each(pairs.filter(([from, to]) => !allowed.has(`${from}→${to}`)))("%s → %s is refused", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });
});

describe("status sets and predicates", () => {
  test("the sets partition the statuses; each predicate is its set", () => {
    expect([...QUEUED_STATUSES]).toEqual(["queued"]);
    expect([...LIVE_STATUSES]).toEqual(["dialing", "ringing", "in_progress"]);
    expect([...TERMINAL_STATUSES]).toEqual(["completed", "no_answer", "busy", "failed", "canceled", "expired", "voicemail"]);
    expect([...SCHEDULED_STATUSES]).toEqual(["scheduled"]);
    expect([...SCHEDULED_STATUSES, ...QUEUED_STATUSES, ...LIVE_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual(
      [...CALL_STATUSES].sort(),
    );
    for (const status of CALL_STATUSES) {
      expect([status, isQueued(status), isLive(status), isTerminal(status)]).toEqual([
        status,
        QUEUED_STATUSES.has(status),
        LIVE_STATUSES.has(status),
        TERMINAL_STATUSES.has(status),
      ]);
    }
  });

  test("a terminal status has no way out; every other one has", () => {
    for (const from of CALL_STATUSES) {
      const exits = CALL_STATUSES.filter((to) => canTransition(from, to));
      expect([from, exits.length === 0]).toEqual([from, isTerminal(from)]);
    }
  });

  test("only a queued or scheduled call is cancelable", () => {
    expect(CALL_STATUSES.filter(isCancelable)).toEqual(["queued", "scheduled"]);
  });

  test("every status but scheduled stamps a timestamp column (queued: queued_at, again when due); every terminal one stamps ended_at", () => {
    expect(CALL_STATUSES.filter((s) => !STATUS_TIMESTAMP_COLUMN[s])).toEqual(["scheduled"]);
    expect(STATUS_TIMESTAMP_COLUMN.queued).toBe("queued_at");
    for (const status of TERMINAL_STATUSES) expect(STATUS_TIMESTAMP_COLUMN[status]).toBe("ended_at");
  });
});

describe("the retry_pending sub-state", () => {
  test("belongs to dialing only", () => {
    expect(CALL_SUB_STATES).toEqual(["retry_pending"]);
    expect(RETRY_PENDING_STATUS).toBe("dialing");
  });

  test("isRetryPending and isMidCall", () => {
    for (const status of CALL_STATUSES) {
      expect([status, isRetryPending({ status, retryPending: true })]).toEqual([status, status === "dialing"]);
      expect(isRetryPending({ status, retryPending: false })).toBe(false);
      expect([status, isMidCall({ status, retryPending: false })]).toEqual([status, isLive(status)]);
      expect([status, isMidCall({ status, retryPending: true })]).toEqual([status, isLive(status) && status !== "dialing"]);
    }
  });

  test("entered and left only within dialing; staying put is no move", () => {
    for (const status of CALL_STATUSES) {
      const inDialing = status === "dialing";
      expect([status, canTransitionSubState(status, null, "retry_pending")]).toEqual([status, inDialing]);
      expect([status, canTransitionSubState(status, "retry_pending", null)]).toEqual([status, inDialing]);
      expect(canTransitionSubState(status, "retry_pending", "retry_pending")).toBe(false);
      expect(canTransitionSubState(status, null, null)).toBe(false);
    }
  });
});

describe("refundsCredits", () => {
  test.each(pairs)("%s → %s", (from, to) => {
    // Ended without ever being answered: in_progress is the answered state, completed the answered end.
    const expected = isTerminal(to) && to !== "completed" && from !== "in_progress";
    expect(refundsCredits(from, to)).toBe(expected);
  });

  test("the legal moves that refund, by hand", () => {
    expect(ALLOWED.filter(([from, to]) => refundsCredits(from, to))).toEqual([
      ["scheduled", "canceled"],
      ["scheduled", "expired"],
      ["queued", "canceled"],
      ["queued", "expired"],
      ["dialing", "failed"],
      ["ringing", "no_answer"],
      ["ringing", "busy"],
      ["ringing", "failed"],
      ["ringing", "voicemail"],
    ]);
  });
});

describe("forwardPath", () => {
  test.each([
    ["queued", "completed", ["dialing", "ringing", "in_progress", "completed"]],
    ["queued", "canceled", ["canceled"]],
    ["dialing", "ringing", ["ringing"]],
    ["dialing", "in_progress", ["ringing", "in_progress"]],
    ["dialing", "completed", ["ringing", "in_progress", "completed"]],
    ["dialing", "no_answer", ["ringing", "no_answer"]],
    ["dialing", "busy", ["ringing", "busy"]],
    ["dialing", "failed", ["failed"]],
    ["ringing", "completed", ["in_progress", "completed"]],
    ["ringing", "failed", ["failed"]],
    ["in_progress", "failed", ["failed"]],
  ] as const)("%s → %s walks %j", (from, to, path) => {
    expect(forwardPath(from, to)).toEqual(path);
  });

  test("[] when already there", () => {
    for (const status of CALL_STATUSES) expect(forwardPath(status, status)).toEqual([]);
  });

  test("null exactly when the target cannot be reached any more", () => {
    expect(forwardPath("in_progress", "ringing")).toBeNull();
    expect(forwardPath("in_progress", "busy")).toBeNull();
    expect(forwardPath("dialing", "canceled")).toBeNull();
    expect(forwardPath("dialing", "queued")).toBeNull();
    // A redial (ringing → scheduled) is a decision, never a provider event's walk; a scheduled call is at no provider.
    expect(forwardPath("ringing", "scheduled")).toBeNull();
    expect(forwardPath("scheduled", "no_answer")).toBeNull();
    expect(forwardPath("ringing", "voicemail")).toEqual(["voicemail"]);
    for (const from of TERMINAL_STATUSES)
      for (const to of CALL_STATUSES) if (to !== from) expect(forwardPath(from, to)).toBeNull();
  });

  test("every path is made of allowed moves and is the shortest", () => {
    for (const [from, to] of pairs) {
      const path = forwardPath(from, to);
      if (!path) continue;
      let at: CallStatus = from;
      for (const next of path) {
        expect([at, next, allowed.has(`${at}→${next}`)]).toEqual([at, next, true]);
        at = next;
      }
      expect(at).toBe(to);
      if (allowed.has(`${from}→${to}`)) expect(path).toEqual([to]);
    }
  });
});
