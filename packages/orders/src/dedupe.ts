/**
 * Same recipient twice (SPEC §9): with `dedupe_window_minutes` > 0, a create for a number that already has a
 * call of the same organisation created within the window, not canceled or expired, is refused
 * (409 duplicate_recipient naming that call). 0 turns it off. Calls still pending count whatever their age
 * only while they are within the window: the window is the whole rule, stated in one place.
 */
export const MAX_DEDUPE_WINDOW_MINUTES = 7 * 24 * 60;

/** The statuses of a call that does not count as an earlier call to the same number. */
export const DEDUPE_IGNORED_STATUSES = ["canceled", "expired"] as const;

/** Calls created at or after this instant count; null = the rule is off. */
export function dedupeSince(now: Date, windowMinutes: number): Date | null {
  return windowMinutes > 0 ? new Date(now.getTime() - windowMinutes * 60_000) : null;
}
