-- Call orders (SPEC §9): schedule windows, calling hours in the recipient's time zones, redials recorded as
-- attempts, per-organisation policy, the do-not-call list. The new enum values are not used in this
-- migration's own statements (Postgres refuses a new enum value in the transaction that added it), so the
-- due-time index is partial on due_at, which is set exactly while a call is scheduled.

-- AlterEnum
ALTER TYPE "call_status" ADD VALUE 'scheduled';
ALTER TYPE "call_status" ADD VALUE 'expired';

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN "calling_hours_start" INTEGER NOT NULL DEFAULT 480,
ADD COLUMN "calling_hours_end" INTEGER NOT NULL DEFAULT 1260,
ADD COLUMN "calling_hours_guard" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN "calling_hours_guard_changed_at" TIMESTAMPTZ(3),
ADD COLUMN "max_concurrent_calls" INTEGER NOT NULL DEFAULT 10,
ADD COLUMN "dedupe_window_minutes" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "default_retry" JSONB,
ADD COLUMN "policy_version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "calls" ADD COLUMN "not_before" TIMESTAMPTZ(3),
ADD COLUMN "not_after" TIMESTAMPTZ(3),
ADD COLUMN "due_at" TIMESTAMPTZ(3),
ADD COLUMN "window_start" INTEGER,
ADD COLUMN "window_end" INTEGER,
ADD COLUMN "time_zones" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "retry_policy" JSONB,
ADD COLUMN "window_decisions" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "call_attempts" (
    "call_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "provider_call_id" TEXT,
    "outcome" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "call_attempts_pkey" PRIMARY KEY ("call_id","attempt")
);

-- CreateTable
CREATE TABLE "opt_outs" (
    "org_id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "opt_outs_pkey" PRIMARY KEY ("org_id","number")
);

-- CreateIndex: the reconciler's scan of calls that came due (partial: only scheduled calls carry due_at).
CREATE INDEX "calls_due_at_idx" ON "calls"("due_at") WHERE "due_at" IS NOT NULL;

-- CreateIndex: the dedupe lookup (same organisation, same number, created within the window).
CREATE INDEX "calls_org_id_contact_number_created_at_idx" ON "calls"("org_id", "contact_number", "created_at" DESC) WHERE "contact_number" IS NOT NULL;

-- AddForeignKey
ALTER TABLE "call_attempts" ADD CONSTRAINT "call_attempts_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "opt_outs" ADD CONSTRAINT "opt_outs_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
