import type { DialOrder, RedialContext } from "@inbound/db";
import type { CallingHours } from "./calling-hours";
import { type DialDecision, decideDial } from "./decide-dial";
import { decisionRecord } from "./plan-order";
import { checkRedialPolicy, NO_REDIAL, planRedial } from "./redial-policy";

function hoursOf(order: { windowStart: number | null; windowEnd: number | null }): CallingHours | null {
  return order.windowStart !== null && order.windowEnd !== null
    ? { startMinute: order.windowStart, endMinute: order.windowEnd }
    : null;
}

function zonesOf(order: { timeZones: string[] }): string[] {
  return order.timeZones.length > 0 ? order.timeZones : ["UTC"];
}

/** What to do with a queued call right before its dial attempt (SPEC §9: every rule is checked again). */
export type DialJudgement =
  | { action: "dial" }
  /** queued → canceled: the number was put on the do-not-call list after the call was queued. */
  | { action: "cancel"; detail: "opted_out" }
  /** queued → scheduled until dueAt (outside the calling hours now, e.g. due at 20:59 and dialled at 21:01). */
  | { action: "defer"; dueAt: Date; decision: Record<string, unknown> }
  /** queued → expired (credit refunded): not_after passed, or no opening is left before it. */
  | { action: "expire"; decision: Record<string, unknown> };

/** Judges a queued call at `now` (the dialer's clock); `attempt`: the attempt about to be made (1-based). */
export function judgeDial(order: DialOrder, now: Date, attempt: number): DialJudgement {
  if (order.optedOut) return { action: "cancel", detail: "opted_out" };
  const decision: DialDecision = decideDial(
    { notBefore: order.notBefore, notAfter: order.notAfter, hours: hoursOf(order), zones: zonesOf(order) },
    now,
  );
  switch (decision.decision) {
    case "dial_now":
      return { action: "dial" };
    case "defer":
      return { action: "defer", dueAt: decision.until, decision: decisionRecord(decision, now, attempt) };
    case "expire":
      return { action: "expire", decision: decisionRecord(decision, now, attempt) };
  }
}

export type AttemptEndPlan =
  | { redial: true; dueAt: Date; decision: Record<string, unknown> }
  | { redial: false; reason: "no_policy" | "not_retryable" | "attempts_exhausted" | "opted_out" | "no_opening_before_not_after" };

/**
 * An attempt ended with `outcome` (no_answer, busy, voicemail, completed…) at `endedAt`: redial per the call's
 * policy, at the first time after the backoff that is inside the calling hours of every zone and before
 * not_after — or not, and the call ends with this attempt's outcome.
 */
export function planAttemptEnd(context: RedialContext, outcome: string, endedAt: Date): AttemptEndPlan {
  const checked = context.retryPolicy ? checkRedialPolicy(context.retryPolicy) : NO_REDIAL;
  const policy = "error" in checked ? NO_REDIAL : checked;
  if (policy.max_attempts <= 1) return { redial: false, reason: "no_policy" };
  if (context.optedOut) return { redial: false, reason: "opted_out" };
  const plan = planRedial(policy, context.attempts, outcome, endedAt);
  if (!plan.redial) return { redial: false, reason: plan.reason };
  const decision = decideDial(
    { notBefore: null, notAfter: context.notAfter, hours: hoursOf(context), zones: zonesOf(context) },
    plan.earliest,
  );
  if (decision.decision === "expire") return { redial: false, reason: "no_opening_before_not_after" };
  const dueAt = decision.decision === "defer" ? decision.until : plan.earliest;
  return {
    redial: true,
    dueAt,
    decision: {
      at: endedAt.toISOString(),
      attempt: context.attempts + 1,
      decision: "defer",
      reason: `redial after ${outcome}`,
      until: dueAt.toISOString(),
    },
  };
}
