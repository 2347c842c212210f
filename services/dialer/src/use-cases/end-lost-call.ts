import type { CallStatus } from "@inbound/contracts";
import type { DialableCall } from "@inbound/db";
import { type DialerContext, moveCall } from "../context";

export type LostReason = "dialer_lost" | "dialer_shutdown" | "provider_hung_up";

const DETAIL: Record<LostReason, string> = {
  dialer_lost: "the dialer following the call stopped; hung up",
  dialer_shutdown: "dialer shut down past its deadline; hung up",
  provider_hung_up: "the provider ended the call unexpectedly",
};

export interface LostCall {
  callId: string;
  status: CallStatus;
  /** The attempt that may be up at the provider (the call's attempts count). */
  attempt: number;
  providerCallId: string | null;
  /** Seconds since the call was answered, when it was: the duration of the conversation we lost. */
  secondsSinceAnswered: number | null;
}

/** A call as read from Postgres, seen as lost: what endLostCall needs of it. */
export function lostCallOf(call: DialableCall): LostCall {
  return {
    callId: call.id,
    status: call.status,
    attempt: call.attempts,
    providerCallId: call.providerCallId,
    secondsSinceAnswered: call.secondsSinceAnswered,
  };
}

/**
 * Ends a call whose dialer can no longer follow it (the worker died, or shuts down past its deadline)
 * in one consistent state: hang up at the provider (best effort: the line must not stay open), then
 * `failed` with the reason. Never answered: the credit comes back (transitionCall's refund rule).
 * Answered: the conversation happened, so the credit is kept and an engagement is recorded from what
 * the provider kept (transcript so far, recording), which also keeps the call deletable.
 * Returns false when the call was no longer in `status` (someone else ended it first).
 */
export async function endLostCall(ctx: DialerContext, call: LostCall, reason: LostReason): Promise<boolean> {
  if (call.status !== "dialing" && call.status !== "ringing" && call.status !== "in_progress") return false;
  const ref = { callId: call.callId, attempt: call.attempt, providerCallId: call.providerCallId };
  if (call.attempt > 0) {
    await ctx.provider.hangUp(ref).catch((error: unknown) => {
      ctx.logger.warn({ callId: call.callId, err: errorCode(error) }, "hang-up of a lost call failed");
    });
  }
  let engagement: Parameters<typeof moveCall>[1]["engagement"];
  if (call.status === "in_progress") {
    const kept = await ctx.provider.retrieveCall(ref).catch(() => null);
    engagement = {
      transcript: kept?.transcript ?? null,
      recording: kept?.recording ? { ...kept.recording } : null,
      durationSeconds: call.secondsSinceAnswered ?? kept?.recording?.duration_seconds ?? 0,
    };
  }
  const result = await moveCall(ctx, {
    callId: call.callId,
    from: call.status,
    to: "failed",
    endReason: reason,
    detail: DETAIL[reason],
    engagement,
  });
  return result.moved;
}

export function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; name?: unknown };
    if (typeof e.code === "string") return e.code;
    if (typeof e.name === "string") return e.name;
  }
  return "unknown_error";
}
