-- Call orders (SPEC §9): the dedupe window, exact across concurrent create statements.
-- Called by the create statement (packages/db/src/calls/create-call.ts) for a batch with dedupe items, before any
-- other lock it takes: it waits for a transaction-scoped advisory lock per organisation of those items, in key
-- order (no deadlock between batches), then looks the earlier calls up. Being VOLATILE, its lookup runs on a
-- fresh snapshot taken after the locks, so it sees every call a concurrent batch of the same organisation
-- committed before releasing them; the locks are held until the calling statement commits.
-- Lock key: (0x64647570 "ddup", hashtext(org_id)); a hash collision between organisations only serialises them.
CREATE FUNCTION "calls_dedupe_lookup"(batch jsonb) RETURNS TABLE ("item" int, "duplicate_of" text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  lock_key int;
BEGIN
  FOR lock_key IN
    SELECT DISTINCT hashtext(b.org_id) AS k
    FROM jsonb_to_recordset(batch) AS b(org_id text, dedupe_minutes int)
    WHERE b.dedupe_minutes IS NOT NULL
    ORDER BY k
  LOOP
    PERFORM pg_advisory_xact_lock(1684305264, lock_key);
  END LOOP;
  RETURN QUERY
    SELECT b.ord,
      (SELECT c.id FROM calls c
        WHERE c.org_id = b.org_id AND c.contact_number = b.contact_number
          AND c.created_at >= now() - make_interval(mins => b.dedupe_minutes)
          AND c.status NOT IN ('canceled', 'expired') AND c.deleted_at IS NULL
        ORDER BY c.created_at LIMIT 1)
    FROM jsonb_to_recordset(batch) AS b(ord int, org_id text, contact_number text, dedupe_minutes int)
    WHERE b.dedupe_minutes IS NOT NULL;
END
$fn$;
