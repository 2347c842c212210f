-- The two queues of the provider-event model are polled all the time: the dialers' pump claims unapplied
-- provider events, the simulated provider's clock claims due dials. Their indexes hold only what is still to
-- do (partial), so a poll walks the pending rows, not every event or dial ever recorded: with the full
-- indexes each poll visited every applied event's and every finished dial's index entries, and took longer
-- the longer the dialers ran (5-7 ms per poll after 10,000 calls, measured).

-- DropIndex
DROP INDEX "provider_events_applied_at_id_idx";

-- CreateIndex (partial: unapplied events only, in id order, the order they are applied in)
CREATE INDEX "provider_events_pending_idx" ON "provider_events"("id") WHERE "applied_at" IS NULL;

-- DropIndex
DROP INDEX "simulated_provider_calls_next_event_at_idx";

-- CreateIndex (partial: dials with an event still to come)
CREATE INDEX "simulated_provider_calls_next_event_at_idx" ON "simulated_provider_calls"("next_event_at") WHERE "next_event_at" IS NOT NULL;

-- An event's claim (claimed_until) touches no indexed column: room on each page lets it stay on the page
-- (a HOT update, no new index entries).
ALTER TABLE "provider_events" SET (fillfactor = 80);
