import { ApiError } from "@inbound/contracts";
import type { CreateCallOrder } from "@inbound/db";
import { type CallingHours, effectiveCallingHours, formatCallingHours, parseCallingHours } from "./calling-hours";
import { type DialDecision, decideDial } from "./decide-dial";
import type { OrderPolicy } from "./order-policy";
import { checkRedialPolicy, type RedialPolicy } from "./redial-policy";
import { effectiveZones } from "./time-zones";
import type { WindowDecisionRecord } from "./present-order";

/** The SPEC §9 fields of a create (webhook `data`, REST body), as validated by the JSON Schema. */
export interface OrderFields {
  contact_number: string;
  not_before?: string;
  not_after?: string;
  calling_hours?: { start: string; end: string };
  retry?: { on?: string[]; max_attempts?: number; backoff_minutes?: number[] };
}

/** A window decision as stored in the call's window_decisions and shown in the call object. */
export function decisionRecord(decision: DialDecision, at: Date, attempt: number): WindowDecisionRecord {
  return {
    at: at.toISOString(),
    attempt,
    decision: decision.decision,
    reason: decision.decision === "dial_now" ? null : decision.reason,
    until: decision.decision === "defer" ? decision.until.toISOString() : null,
  };
}

export interface PlannedOrder {
  order: CreateCallOrder;
  decision: DialDecision;
  hours: CallingHours | null;
  retry: RedialPolicy;
}

/**
 * Plans a create under the organisation's policy, at `now` (SPEC §9): checks the schedule window (400
 * invalid_schedule: not RFC 3339 with an offset, not_after not after not_before, or not_after past), narrows the
 * calling hours (400 invalid_calling_hours), takes the redial policy (400 invalid_retry), finds the number's
 * zones and decides: dial now (queued), or scheduled until the next time every rule allows, or 422
 * no_calling_window when no opening comes before not_after. The opt-out and dedupe checks are made by the
 * create statement itself (they need the committed rows). `field` names a request field as the transport does.
 */
export function planOrder(fields: OrderFields, policy: OrderPolicy, now: Date, field: (name: string) => string): PlannedOrder {
  const notBefore = parseInstant(fields.not_before, "not_before", field);
  const notAfter = parseInstant(fields.not_after, "not_after", field);
  if (notAfter && notBefore && notAfter.getTime() <= notBefore.getTime()) {
    throw new ApiError("invalid_schedule", "not_after must be later than not_before.", field("not_after"));
  }
  if (notAfter && notAfter.getTime() <= now.getTime()) {
    throw new ApiError("invalid_schedule", "not_after is in the past: the call could never be made.", field("not_after"));
  }
  let requested: CallingHours | null = null;
  if (fields.calling_hours) {
    const parsed = parseCallingHours(fields.calling_hours);
    if ("error" in parsed) throw new ApiError("invalid_calling_hours", `calling_hours.${parsed.error}.`, field("calling_hours"));
    requested = parsed;
  }
  const hours = effectiveCallingHours({ guard: policy.guard, organisation: policy.callingHours, requested });
  if (hours && "error" in hours) throw new ApiError("invalid_calling_hours", `${hours.error}.`, field("calling_hours"));
  let retry = policy.defaultRetry;
  if (fields.retry) {
    const checked = checkRedialPolicy(fields.retry);
    if ("error" in checked) throw new ApiError("invalid_retry", `${checked.error}.`, field(`retry.${checked.field}`));
    retry = checked;
  }
  const zones = effectiveZones(fields.contact_number);
  const decision = decideDial({ notBefore, notAfter, hours, zones }, now);
  if (decision.decision === "expire") {
    const window = hours ? formatCallingHours(hours) : null;
    throw new ApiError(
      "no_calling_window",
      window
        ? `No time before not_after is within the calling hours ${window.start}–${window.end} in every time zone of this number (${zones.join(", ")}). Move not_after later or widen calling_hours.`
        : "No time is left before not_after.",
      field(fields.not_after ? "not_after" : "calling_hours"),
      { time_zones: zones },
    );
  }
  const scheduled = decision.decision === "defer";
  return {
    decision,
    hours,
    retry,
    order: {
      status: scheduled ? "scheduled" : "queued",
      dueAt: scheduled ? decision.until.toISOString() : null,
      notBefore: notBefore?.toISOString() ?? null,
      notAfter: notAfter?.toISOString() ?? null,
      windowStart: hours?.startMinute ?? null,
      windowEnd: hours?.endMinute ?? null,
      timeZones: zones,
      retryPolicy: retry.max_attempts > 1 ? { ...retry } : null,
      decision: decisionRecord(decision, now, 1),
      policyVersion: policy.version,
      dedupeWindowMinutes: policy.dedupeWindowMinutes > 0 ? policy.dedupeWindowMinutes : null,
    },
  };
}

/** RFC 3339 with an explicit offset (Z or ±hh:mm), e.g. 2026-12-01T09:00:00+05:30. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function parseInstant(value: string | undefined, name: string, field: (name: string) => string): Date | null {
  if (value === undefined) return null;
  const date = RFC3339.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new ApiError(
      "invalid_schedule",
      `${name} must be an RFC 3339 time with its offset, e.g. 2026-12-01T09:00:00+05:30 or 2026-12-01T03:30:00Z.`,
      field(name),
    );
  }
  return date;
}
