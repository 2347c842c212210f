-- Call orders (SPEC §9): concurrency per organisation. organizations.live_calls counts its calls in dialing,
-- ringing or in_progress (kept exact by the transition statements); a claim over max_concurrent_calls parks
-- the call (parked_at) until a slot frees.

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN "live_calls" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "calls" ADD COLUMN "parked_at" TIMESTAMPTZ(3);

-- The calls live when this migration runs hold their slots.
UPDATE "organizations" o SET "live_calls" = l.n
FROM (SELECT "org_id", count(*)::int AS n FROM "calls"
      WHERE "status" IN ('dialing', 'ringing', 'in_progress') AND "deleted_at" IS NULL GROUP BY "org_id") l
WHERE o."id" = l."org_id";

-- CreateIndex
CREATE INDEX "calls_org_id_queued_at_idx" ON "calls"("org_id", "queued_at") WHERE "parked_at" IS NOT NULL;
