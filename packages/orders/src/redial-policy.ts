/**
 * The redial policy (SPEC §9): which outcomes of an attempt earn another attempt, how many attempts in all,
 * and how long to wait before each. Pure: the dialer asks it when an attempt ends, then the calling-hours
 * and not_after rules (decideDial) place the redial inside the window.
 */

export const REDIAL_OUTCOMES = ["no_answer", "busy", "voicemail"] as const;
export type RedialOutcome = (typeof REDIAL_OUTCOMES)[number];

export const MAX_ATTEMPTS_LIMIT = 5;
/** Wait before a redial when the policy names no (or too few) backoff values. */
export const DEFAULT_BACKOFF_MINUTES = 30;
export const MAX_BACKOFF_MINUTES = 7 * 24 * 60;

/** max_attempts counts every attempt, the first included (1 = never redial). */
export interface RedialPolicy {
  on: RedialOutcome[];
  max_attempts: number;
  backoff_minutes: number[];
}

/** No redial: the organisation default until it sets one. */
export const NO_REDIAL: RedialPolicy = { on: [], max_attempts: 1, backoff_minutes: [] };

/** Minutes to wait after attempt `attempt` (1-based) ended: backoff_minutes[attempt-1], else the last value, else the default. */
export function backoffMinutes(policy: RedialPolicy, attempt: number): number {
  const list = policy.backoff_minutes;
  return list[attempt - 1] ?? list[list.length - 1] ?? DEFAULT_BACKOFF_MINUTES;
}

export type RedialPlan = { redial: true; earliest: Date } | { redial: false; reason: "not_retryable" | "attempts_exhausted" };

/**
 * After attempt `attempt` (1-based) ended with `outcome` at `endedAt`: redial no sooner than `earliest`, or not
 * at all. The caller still applies calling hours and not_after to `earliest` (a redial outside them waits for the
 * next opening, or the call ends with this attempt's outcome when no opening comes before not_after).
 */
export function planRedial(policy: RedialPolicy, attempt: number, outcome: string, endedAt: Date): RedialPlan {
  if (!(policy.on as string[]).includes(outcome)) return { redial: false, reason: "not_retryable" };
  if (attempt >= policy.max_attempts) return { redial: false, reason: "attempts_exhausted" };
  return { redial: true, earliest: new Date(endedAt.getTime() + backoffMinutes(policy, attempt) * 60_000) };
}

/** Validates a policy as given (by a create or `org policy set`): the first fault as a message, or the policy. */
export function checkRedialPolicy(value: {
  on?: unknown;
  max_attempts?: unknown;
  backoff_minutes?: unknown;
}): RedialPolicy | { error: string; field: string } {
  const on = value.on ?? [];
  if (!Array.isArray(on) || on.some((o) => !(REDIAL_OUTCOMES as readonly unknown[]).includes(o))) {
    return { error: `retry.on must list some of: ${REDIAL_OUTCOMES.join(", ")}`, field: "on" };
  }
  const max = value.max_attempts ?? 1;
  if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > MAX_ATTEMPTS_LIMIT) {
    return { error: `retry.max_attempts must be an integer from 1 to ${MAX_ATTEMPTS_LIMIT}`, field: "max_attempts" };
  }
  const backoff = value.backoff_minutes ?? [];
  if (
    !Array.isArray(backoff) ||
    backoff.length > MAX_ATTEMPTS_LIMIT ||
    backoff.some((b) => !Number.isInteger(b) || b < 1 || b > MAX_BACKOFF_MINUTES)
  ) {
    return {
      error: `retry.backoff_minutes must be a list of at most ${MAX_ATTEMPTS_LIMIT} whole minutes, each 1 to ${MAX_BACKOFF_MINUTES}`,
      field: "backoff_minutes",
    };
  }
  return { on: [...new Set(on as RedialOutcome[])], max_attempts: max as number, backoff_minutes: backoff as number[] };
}
