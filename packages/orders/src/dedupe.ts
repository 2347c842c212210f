/**
 * Same recipient twice (SPEC §9): with `dedupe_window_minutes` > 0, a create for a number that already has a
 * call of the same organisation created within the window, not canceled or expired, is refused
 * (409 duplicate_recipient naming that call); 0 turns it off. The create statement checks it against the
 * committed calls (index calls(org_id, contact_number, created_at)) and the earlier creates of its own batch,
 * on the database's clock (the one created_at is stamped with). One ingress runs its creates one statement at a
 * time, so it never lets a duplicate through; two replicas committing creates for the same number in the same
 * few milliseconds can (each statement's snapshot predates the other's commit): documented in the README.
 */
export const MAX_DEDUPE_WINDOW_MINUTES = 7 * 24 * 60;

/** The statuses of a call that does not count as an earlier call to the same number. */
export const DEDUPE_IGNORED_STATUSES = ["canceled", "expired"] as const;
