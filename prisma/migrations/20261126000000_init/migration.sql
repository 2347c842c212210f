-- CreateEnum
CREATE TYPE "call_status" AS ENUM ('queued', 'dialing', 'ringing', 'in_progress', 'completed', 'no_answer', 'busy', 'failed', 'canceled');

-- CreateTable
CREATE TABLE "organizations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "credits" INTEGER NOT NULL DEFAULT 0,
    "daily_quota" INTEGER NOT NULL,
    "signature_verification" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_tokens" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "display_prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_secrets" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "encrypted_secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "signing_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calls" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "status" "call_status" NOT NULL DEFAULT 'queued',
    "contact_number" TEXT,
    "contact_name" TEXT,
    "contact_email" TEXT,
    "additional_info" JSONB,
    "credits_reserved" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retry_pending_at" TIMESTAMPTZ(3),
    "provider_call_id" TEXT,
    "end_reason" TEXT,
    "request_id" TEXT,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dialing_at" TIMESTAMPTZ(3),
    "ringing_at" TIMESTAMPTZ(3),
    "answered_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_events" (
    "id" BIGSERIAL NOT NULL,
    "call_id" TEXT NOT NULL,
    "from_status" "call_status",
    "to_status" "call_status" NOT NULL,
    "detail" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "engagements" (
    "call_id" TEXT NOT NULL,
    "transcript" TEXT,
    "recording" JSONB,
    "duration_seconds" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "engagements_pkey" PRIMARY KEY ("call_id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "org_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "locked_until" TIMESTAMPTZ(3) NOT NULL,
    "response_status" INTEGER,
    "response_body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("org_id","key")
);

-- CreateTable
CREATE TABLE "call_deletions" (
    "call_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "request_id" TEXT,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "database_erased_at" TIMESTAMPTZ(3) NOT NULL,
    "provider_call_id" TEXT,
    "provider_purged_at" TIMESTAMPTZ(3),
    "provider_attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "call_deletions_pkey" PRIMARY KEY ("call_id")
);

-- CreateTable
CREATE TABLE "simulated_provider_calls" (
    "provider_call_id" TEXT NOT NULL,
    "call_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "to_number" TEXT,
    "outcome" TEXT,
    "transcript" TEXT,
    "recording_url" TEXT,
    "placed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "purged_at" TIMESTAMPTZ(3),

    CONSTRAINT "simulated_provider_calls_pkey" PRIMARY KEY ("provider_call_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_tokens_token_hash_key" ON "webhook_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "webhook_tokens_org_id_idx" ON "webhook_tokens"("org_id");

-- CreateIndex
CREATE INDEX "signing_secrets_org_id_idx" ON "signing_secrets"("org_id");

-- CreateIndex
CREATE INDEX "agents_org_id_idx" ON "agents"("org_id");

-- CreateIndex
CREATE INDEX "calls_org_id_idx" ON "calls"("org_id");

-- CreateIndex
CREATE INDEX "calls_agent_id_idx" ON "calls"("agent_id");

-- CreateIndex
CREATE INDEX "calls_status_queued_at_idx" ON "calls"("status", "queued_at");

-- CreateIndex
CREATE INDEX "call_events_call_id_at_idx" ON "call_events"("call_id", "at");

-- CreateIndex
CREATE INDEX "idempotency_records_expires_at_idx" ON "idempotency_records"("expires_at");

-- CreateIndex
CREATE INDEX "call_deletions_provider_purged_at_requested_at_idx" ON "call_deletions"("provider_purged_at", "requested_at");

-- CreateIndex
CREATE UNIQUE INDEX "simulated_provider_calls_call_id_attempt_key" ON "simulated_provider_calls"("call_id", "attempt");

-- AddForeignKey
ALTER TABLE "webhook_tokens" ADD CONSTRAINT "webhook_tokens_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signing_secrets" ADD CONSTRAINT "signing_secrets_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_events" ADD CONSTRAINT "call_events_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "engagements" ADD CONSTRAINT "engagements_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;
