import { fakeClock } from "./clock";
import { checkRedialPolicy, NO_REDIAL, planRedial } from "./redial-policy";

test("redial on the listed outcomes, with the backoff of each attempt (the last value repeats), up to max_attempts", () => {
  const policy = checkRedialPolicy({ on: ["no_answer", "voicemail"], max_attempts: 3, backoff_minutes: [10] });
  if ("error" in policy) throw new Error(policy.error);
  const clock = fakeClock("2026-11-30T10:00:00Z");
  expect(planRedial(policy, 1, "no_answer", clock.now())).toEqual({ redial: true, earliest: new Date("2026-11-30T10:10:00Z") });
  expect(planRedial(policy, 2, "voicemail", clock.now())).toEqual({ redial: true, earliest: new Date("2026-11-30T10:10:00Z") });
  expect(planRedial(policy, 3, "no_answer", clock.now())).toEqual({ redial: false, reason: "attempts_exhausted" });
  expect(planRedial(policy, 1, "busy", clock.now())).toEqual({ redial: false, reason: "not_retryable" });
  expect(planRedial(policy, 1, "completed", clock.now())).toEqual({ redial: false, reason: "not_retryable" });
  expect(planRedial(NO_REDIAL, 1, "no_answer", clock.now())).toEqual({ redial: false, reason: "not_retryable" });
});

test("a default backoff when none is given; invalid policies name their field", () => {
  const policy = checkRedialPolicy({ on: ["busy"], max_attempts: 2 });
  if ("error" in policy) throw new Error(policy.error);
  expect(planRedial(policy, 1, "busy", new Date("2026-11-30T10:00:00Z"))).toEqual({
    redial: true,
    earliest: new Date("2026-11-30T10:30:00Z"),
  });
  expect(checkRedialPolicy({ on: ["failed"] })).toMatchObject({ field: "on" });
  expect(checkRedialPolicy({ max_attempts: 6 })).toMatchObject({ field: "max_attempts" });
  expect(checkRedialPolicy({ max_attempts: 0 })).toMatchObject({ field: "max_attempts" });
  expect(checkRedialPolicy({ backoff_minutes: [0] })).toMatchObject({ field: "backoff_minutes" });
});
