import { formatCallingHours } from "./calling-hours";
import type { DialDecision } from "./decide-dial";
import type { RedialPolicy } from "./redial-policy";

/** What a call's order holds, as read from its row (read-calls' CallOrderRecord, or Prisma's Call). */
export interface StoredOrder {
  notBefore: Date | null;
  notAfter: Date | null;
  dueAt: Date | null;
  windowStart: number | null;
  windowEnd: number | null;
  timeZones: string[];
  retryPolicy: unknown;
  windowDecisions: unknown;
  dialAttempts: { attempt: number; outcome: string | null; started_at: string; ended_at: string | null }[];
}

/** One calling-window decision as stored on the call (plan-order's decisionRecord). */
export type WindowDecisionRecord = {
  at: string;
  attempt: number;
  decision: DialDecision["decision"];
  reason: string | null;
  until: string | null;
};

/** The call order's part of the call object, as every interface shows it. */
export interface PresentedOrder {
  schedule: {
    not_before: string | null;
    not_after: string | null;
    due_at: string | null;
    calling_hours: { start: string; end: string } | null;
    time_zones: string[];
  };
  retry: RedialPolicy | null;
  dial_attempts: StoredOrder["dialAttempts"];
  window_decisions: WindowDecisionRecord[];
}

/**
 * The call order's part of the call object (REST, `call show`, the dashboard): `schedule` (not_before,
 * not_after, due_at while scheduled, the calling hours it got, the number's time zones), `retry`,
 * `dial_attempts` (number, outcome, times), and `window_decisions` (each calling-window decision: at create
 * and at each dial-time re-check that deferred or expired it).
 */
export function presentOrder(order: StoredOrder): PresentedOrder {
  const iso = (at: Date | null) => (at ? at.toISOString() : null);
  return {
    schedule: {
      not_before: iso(order.notBefore),
      not_after: iso(order.notAfter),
      due_at: iso(order.dueAt),
      calling_hours:
        order.windowStart !== null && order.windowEnd !== null
          ? formatCallingHours({ startMinute: order.windowStart, endMinute: order.windowEnd })
          : null,
      time_zones: order.timeZones,
    },
    // Both JSON columns hold only what the create (checkRedialPolicy) and decisionRecord wrote.
    retry: (order.retryPolicy ?? null) as RedialPolicy | null,
    dial_attempts: order.dialAttempts,
    window_decisions: (Array.isArray(order.windowDecisions) ? order.windowDecisions : []) as WindowDecisionRecord[],
  };
}
