import type { DialerContext } from "../context";
import { errorCode } from "@inbound/logging";

export interface PurgeJobData {
  callId: string;
  orgId: string;
}

export type PurgeResult = { kind: "purged"; providerAttempts: number } | { kind: "dropped"; reason: string };

/** A provider purge failed; the job is retried with backoff (the message is PII-free). */
export class PurgeFailedError extends Error {
  constructor(readonly code: string) {
    super(`provider purge failed: ${code}`);
    this.name = "PurgeFailedError";
  }
}

/**
 * The purge job of a call.delete: the ingress already erased the PII in our tables and wrote the audit
 * record; this deletes the provider's copies (recording, transcript) and stamps provider_purged_at.
 * Each attempt is counted on the audit record; a failure throws so BullMQ retries it with backoff.
 */
export async function purgeCall(ctx: DialerContext, job: PurgeJobData): Promise<PurgeResult> {
  const deletion = await ctx.store.loadDeletion(job);
  if (!deletion) return { kind: "dropped", reason: "no deletion record" };
  if (deletion.providerPurgedAt) return { kind: "dropped", reason: "already purged" };
  try {
    const providerCallIds = new Set(await ctx.store.providerCallIdsOf(deletion.callId));
    if (deletion.providerCallId) providerCallIds.add(deletion.providerCallId);
    await ctx.provider.deleteArtifacts({ callId: deletion.callId, providerCallIds: [...providerCallIds] });
  } catch (error) {
    const code = errorCode(error);
    ctx.metrics.providerErrors.inc({ code, transient: "true" });
    await ctx.store.recordPurgeAttempt({ callId: deletion.callId, succeeded: false }).catch(() => undefined);
    ctx.logger.warn(
      { callId: deletion.callId, code, requestId: deletion.requestId ?? undefined },
      "provider purge failed; will retry",
    );
    throw new PurgeFailedError(code);
  }
  const recorded = await ctx.store.recordPurgeAttempt({ callId: deletion.callId, succeeded: true });
  ctx.logger.info(
    { callId: deletion.callId, requestId: deletion.requestId ?? undefined, attempts: recorded?.providerAttempts },
    "provider copies purged",
  );
  return { kind: "purged", providerAttempts: recorded?.providerAttempts ?? 0 };
}
