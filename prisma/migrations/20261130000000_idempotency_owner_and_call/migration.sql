-- The claim's owner: a create stores its 201 (and is created at all) only while its claim is still the
-- one held, so a claim taken over after its lock lapsed can never yield a second call under one key.
ALTER TABLE "idempotency_records" ADD COLUMN "owner" TEXT;
-- The call a stored response created, so deleting the call erases its idempotency record too.
ALTER TABLE "idempotency_records" ADD COLUMN "call_id" TEXT;

-- CreateIndex
CREATE INDEX "idempotency_records_call_id_idx" ON "idempotency_records"("call_id");
