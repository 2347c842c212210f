-- Call orders (SPEC §9), concurrency per organisation: a call leaving the live statuses no longer updates its
-- organisation's row. That row was the one row every claim and every end of the organisation's calls locked
-- until commit, so claims waited for ends and ends for claims (measured: claims spent most of their time
-- waiting for it in the dialer drain). An end now appends the slots it gives back here (an insert: nothing
-- to wait for); the next claim of the organisation, which locks the row anyway, deletes them and folds them
-- into organizations.live_calls in the same statement. Slots held = live_calls - the releases not folded yet.

-- CreateTable
CREATE TABLE "slot_releases" (
    "id" BIGSERIAL NOT NULL,
    "org_id" TEXT NOT NULL,
    "released" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slot_releases_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "slot_releases_org_id_idx" ON "slot_releases"("org_id");

-- AddForeignKey
ALTER TABLE "slot_releases" ADD CONSTRAINT "slot_releases_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
