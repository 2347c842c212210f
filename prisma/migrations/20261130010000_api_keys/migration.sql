-- REST API (SPEC §5): API keys, and the call's creation time with the indexes behind cursor pagination.

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "display_prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_org_id_idx" ON "api_keys"("org_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable: when the call was created (queued_at is a stage's time). Existing calls were created when queued.
ALTER TABLE "calls" ADD COLUMN "created_at" TIMESTAMPTZ(3);
UPDATE "calls" SET "created_at" = "queued_at";
ALTER TABLE "calls" ALTER COLUMN "created_at" SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN "created_at" SET NOT NULL;

-- Keyset pagination of GET /v1/calls, newest first: (org, created_at, id), and the same per status and per
-- agent. The first also serves every lookup by org_id alone, so the plain org_id index goes.
DROP INDEX "calls_org_id_idx";

-- CreateIndex
CREATE INDEX "calls_org_id_created_at_id_idx" ON "calls"("org_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "calls_org_id_status_created_at_id_idx" ON "calls"("org_id", "status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "calls_agent_id_created_at_id_idx" ON "calls"("agent_id", "created_at" DESC, "id" DESC);

-- The agent's own index is covered by the one above.
DROP INDEX "calls_agent_id_idx";
