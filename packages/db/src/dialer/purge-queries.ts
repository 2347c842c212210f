import type { PrismaClient } from "../generated/prisma/client";

export interface PendingDeletion {
  callId: string;
  orgId: string;
  providerCallId: string | null;
  requestId: string | null;
  providerPurgedAt: Date | null;
  providerAttempts: number;
}

/** The audit record of a call.delete; null when there is none for this organisation. */
export async function loadDeletion(
  prisma: PrismaClient,
  input: { callId: string; orgId: string },
): Promise<PendingDeletion | null> {
  const row = await prisma.callDeletion.findFirst({ where: { callId: input.callId, orgId: input.orgId } });
  if (!row) return null;
  return {
    callId: row.callId,
    orgId: row.orgId,
    providerCallId: row.providerCallId,
    requestId: row.requestId,
    providerPurgedAt: row.providerPurgedAt,
    providerAttempts: row.providerAttempts,
  };
}

/** Counts one provider purge attempt and, when it succeeded, stamps provider_purged_at (once). */
export async function recordPurgeAttempt(
  prisma: PrismaClient,
  input: { callId: string; succeeded: boolean },
): Promise<{ providerAttempts: number; providerPurgedAt: Date | null } | null> {
  const rows = await prisma.$queryRaw<{ provider_attempts: number; provider_purged_at: Date | null }[]>`
    UPDATE call_deletions SET provider_attempts = provider_attempts + 1,
      provider_purged_at = CASE WHEN ${input.succeeded}::boolean THEN COALESCE(provider_purged_at, now()) ELSE provider_purged_at END
    WHERE call_id = ${input.callId}
    RETURNING provider_attempts, provider_purged_at`;
  const row = rows[0];
  return row ? { providerAttempts: row.provider_attempts, providerPurgedAt: row.provider_purged_at } : null;
}
