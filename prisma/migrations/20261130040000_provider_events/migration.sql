-- The provider-event model (SPEC §8): calls live at the provider, whose events are recorded here and
-- applied by the dialers; the simulated provider keeps its schedule in its own table so it outlives a dialer.

-- CreateTable
CREATE TABLE "provider_events" (
    "id" BIGSERIAL NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_call_id" TEXT,
    "call_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "end_reason" TEXT,
    "duration_seconds" INTEGER,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_until" TIMESTAMPTZ(3),
    "applied_at" TIMESTAMPTZ(3),
    "outcome" TEXT,

    CONSTRAINT "provider_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_events_applied_at_id_idx" ON "provider_events"("applied_at", "id");

-- CreateIndex
CREATE INDEX "provider_events_call_id_idx" ON "provider_events"("call_id");

-- AlterTable
ALTER TABLE "simulated_provider_calls" ADD COLUMN "script" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "step" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "next_event_at" TIMESTAMPTZ(3),
ADD COLUMN "answered_at" TIMESTAMPTZ(3),
ADD COLUMN "ended_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "simulated_provider_calls_next_event_at_idx" ON "simulated_provider_calls"("next_event_at");
