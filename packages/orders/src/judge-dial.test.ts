import type { DialOrder, RedialContext } from "@inbound/db";
import { fakeClock } from "./clock";
import { judgeDial, planAttemptEnd } from "./judge-dial";

const india: DialOrder = {
  notBefore: null,
  notAfter: null,
  windowStart: 480,
  windowEnd: 1260,
  timeZones: ["Asia/Calcutta"],
  optedOut: false,
};

test("right before the dial: due at 20:59, dialled at 21:01 → deferred again; opted out since → cancel; past not_after → expire", () => {
  const clock = fakeClock("2026-11-30T15:29:00Z"); // 20:59 IST
  expect(judgeDial(india, clock.now(), 1)).toEqual({ action: "dial" });
  clock.advance(2 * 60_000);
  expect(judgeDial(india, clock.now(), 1)).toEqual({
    action: "defer",
    dueAt: new Date("2026-12-01T02:30:00Z"),
    decision: {
      at: "2026-11-30T15:31:00.000Z",
      attempt: 1,
      decision: "defer",
      reason: "calling_hours",
      until: "2026-12-01T02:30:00.000Z",
    },
  });
  expect(judgeDial({ ...india, optedOut: true }, clock.now(), 1)).toEqual({ action: "cancel", detail: "opted_out" });
  expect(judgeDial({ ...india, notAfter: new Date("2026-11-30T15:30:00Z") }, clock.now(), 1)).toMatchObject({
    action: "expire",
    decision: { decision: "expire", reason: "not_after" },
  });
  // Any hour: no window at all.
  expect(judgeDial({ ...india, windowStart: null, windowEnd: null }, clock.now(), 1)).toEqual({ action: "dial" });
});

const context: RedialContext = {
  retryPolicy: { on: ["no_answer", "voicemail"], max_attempts: 3, backoff_minutes: [10, 60] },
  notBefore: null,
  notAfter: null,
  windowStart: 480,
  windowEnd: 1260,
  timeZones: ["Asia/Calcutta"],
  attempts: 1,
  optedOut: false,
};

test("redial after no_answer at the backoff, inside the window; the third attempt is the last; busy is not retried", () => {
  const ended = new Date("2026-11-30T10:00:00Z"); // 15:30 IST
  expect(planAttemptEnd(context, "no_answer", ended)).toMatchObject({ redial: true, dueAt: new Date("2026-11-30T10:10:00Z") });
  expect(planAttemptEnd({ ...context, attempts: 2 }, "voicemail", ended)).toMatchObject({
    redial: true,
    dueAt: new Date("2026-11-30T11:00:00Z"),
  });
  expect(planAttemptEnd({ ...context, attempts: 3 }, "no_answer", ended)).toEqual({
    redial: false,
    reason: "attempts_exhausted",
  });
  expect(planAttemptEnd(context, "busy", ended)).toEqual({ redial: false, reason: "not_retryable" });
  expect(planAttemptEnd({ ...context, retryPolicy: null }, "no_answer", ended)).toEqual({ redial: false, reason: "no_policy" });
  expect(planAttemptEnd({ ...context, optedOut: true }, "no_answer", ended)).toEqual({ redial: false, reason: "opted_out" });
});

test("a redial that would fall outside the hours waits for the opening, unless not_after comes first", () => {
  const ended = new Date("2026-11-30T15:25:00Z"); // 20:55 IST; +10 min = 21:05, closed
  expect(planAttemptEnd(context, "no_answer", ended)).toMatchObject({
    redial: true,
    dueAt: new Date("2026-12-01T02:30:00Z"),
    decision: { attempt: 2, decision: "defer", reason: "redial after no_answer", until: "2026-12-01T02:30:00.000Z" },
  });
  expect(planAttemptEnd({ ...context, notAfter: new Date("2026-11-30T20:00:00Z") }, "no_answer", ended)).toEqual({
    redial: false,
    reason: "no_opening_before_not_after",
  });
});
