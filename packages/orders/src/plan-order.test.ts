import { ApiError } from "@inbound/contracts";
import { DEFAULT_CALLING_HOURS } from "./calling-hours";
import { fakeClock } from "./clock";
import type { OrderPolicy } from "./order-policy";
import { planOrder } from "./plan-order";
import { NO_REDIAL } from "./redial-policy";

const policy: OrderPolicy = {
  orgId: "org_x",
  callingHours: DEFAULT_CALLING_HOURS,
  guard: true,
  guardChangedAt: null,
  maxConcurrentCalls: 10,
  dedupeWindowMinutes: 0,
  defaultRetry: NO_REDIAL,
  version: 4,
};
const field = (name: string) => `data.${name}`;

function refusal(run: () => unknown): { code: string; field?: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a refusal");
}

test("at night in India: scheduled for 08:00 IST, with the policy version and the decision the statement stores", () => {
  const clock = fakeClock("2026-11-30T16:00:00Z");
  const planned = planOrder({ contact_number: "+919876543210" }, policy, clock.now(), field);
  expect(planned.order).toEqual({
    status: "scheduled",
    dueAt: "2026-12-01T02:30:00.000Z",
    notBefore: null,
    notAfter: null,
    windowStart: 480,
    windowEnd: 1260,
    timeZones: ["Asia/Calcutta"],
    retryPolicy: null,
    decision: {
      at: "2026-11-30T16:00:00.000Z",
      attempt: 1,
      decision: "defer",
      reason: "calling_hours",
      until: "2026-12-01T02:30:00.000Z",
    },
    policyVersion: 4,
    dedupeWindowMinutes: null,
  });
  // The same number in the afternoon: queued.
  clock.set("2026-11-30T10:00:00Z");
  expect(planOrder({ contact_number: "+919876543210" }, policy, clock.now(), field).order.status).toBe("queued");
});

test("the organisation's default redial applies unless the create gives its own; dedupe passes the window", () => {
  const withDefaults: OrderPolicy = {
    ...policy,
    guard: false,
    dedupeWindowMinutes: 15,
    defaultRetry: { on: ["busy"], max_attempts: 2, backoff_minutes: [] },
  };
  const now = new Date("2026-11-30T16:00:00Z");
  expect(planOrder({ contact_number: "+919876543210" }, withDefaults, now, field).order).toMatchObject({
    status: "queued",
    windowStart: null,
    retryPolicy: { on: ["busy"], max_attempts: 2, backoff_minutes: [] },
    dedupeWindowMinutes: 15,
  });
  const own = planOrder(
    { contact_number: "+919876543210", retry: { on: ["voicemail"], max_attempts: 3, backoff_minutes: [5] } },
    withDefaults,
    now,
    field,
  );
  expect(own.order.retryPolicy).toEqual({ on: ["voicemail"], max_attempts: 3, backoff_minutes: [5] });
});

test("refusals name the field as the transport spells it", () => {
  const now = new Date("2026-11-30T10:00:00Z");
  const plan = (extra: Record<string, unknown>) => () =>
    planOrder({ contact_number: "+919876543210", ...extra }, policy, now, field);
  expect(refusal(plan({ not_after: "2026-11-30T09:00:00Z" }))).toEqual({ code: "invalid_schedule", field: "data.not_after" });
  expect(refusal(plan({ not_before: "2026-11-30 12:00" }))).toEqual({ code: "invalid_schedule", field: "data.not_before" });
  expect(refusal(plan({ calling_hours: { start: "05:00", end: "07:00" } }))).toEqual({
    code: "invalid_calling_hours",
    field: "data.calling_hours",
  });
  expect(refusal(plan({ retry: { on: ["busy"], max_attempts: 7 } }))).toEqual({
    code: "invalid_retry",
    field: "data.retry.max_attempts",
  });
  // 15:30 IST, not_after 21:30 IST, but only 09:00–10:00 asked for: no opening before not_after.
  expect(refusal(plan({ not_after: "2026-11-30T16:00:00Z", calling_hours: { start: "09:00", end: "10:00" } }))).toEqual({
    code: "no_calling_window",
    field: "data.not_after",
  });
});
