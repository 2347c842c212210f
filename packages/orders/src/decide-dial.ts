import { type CallingHours, nextOpening } from "./calling-hours";

/**
 * Whether a call may be dialled now (SPEC §9), asked at create and again right before EVERY dial attempt:
 * - past not_after → expire;
 * - before not_before → wait for it;
 * - outside the calling hours in any of the number's zones → wait for the next opening of all of them;
 * - an opening that comes only at or after not_after (or not within the search horizon) → expire.
 */
export type DialDecision =
  | { decision: "dial_now" }
  | { decision: "defer"; until: Date; reason: "not_before" | "calling_hours" }
  | { decision: "expire"; reason: "not_after" | "no_opening_before_not_after" | "no_opening" };

export interface OrderWindow {
  notBefore: Date | null;
  notAfter: Date | null;
  /** Null: any hour (the organisation's guard is off and the call asked for no window). */
  hours: CallingHours | null;
  zones: readonly string[];
}

export function decideDial(window: OrderWindow, now: Date): DialDecision {
  if (window.notAfter && now.getTime() >= window.notAfter.getTime()) return { decision: "expire", reason: "not_after" };
  const waitForStart = window.notBefore !== null && window.notBefore.getTime() > now.getTime();
  let at = waitForStart ? (window.notBefore as Date) : now;
  if (window.hours) {
    const opening = nextOpening(window.hours, window.zones, at);
    if (!opening) return { decision: "expire", reason: "no_opening" };
    at = opening;
  }
  if (window.notAfter && at.getTime() >= window.notAfter.getTime()) {
    return { decision: "expire", reason: "no_opening_before_not_after" };
  }
  if (at.getTime() <= now.getTime()) return { decision: "dial_now" };
  const reason = waitForStart && at.getTime() === (window.notBefore as Date).getTime() ? "not_before" : "calling_hours";
  return { decision: "defer", until: at, reason };
}
