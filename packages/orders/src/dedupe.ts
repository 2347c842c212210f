/**
 * Same recipient twice (SPEC §9): with `dedupe_window_minutes` > 0, a create for a number that already has a
 * call of the same organisation created within the window, not canceled or expired, is refused
 * (409 duplicate_recipient naming that call); 0 turns it off. The create statement checks it against the
 * committed calls (index calls(org_id, contact_number, created_at)) and the earlier creates of its own batch,
 * on the database's clock (the one created_at is stamped with). Exact across replicas and concurrent batches:
 * the statement takes a per-organisation advisory lock and looks the earlier calls up on a snapshot taken after
 * it (calls_dedupe_lookup; see createQueuedCalls and the README's Call orders section).
 */
export const MAX_DEDUPE_WINDOW_MINUTES = 7 * 24 * 60;

/** The statuses of a call that does not count as an earlier call to the same number. */
export const DEDUPE_IGNORED_STATUSES = ["canceled", "expired"] as const;
