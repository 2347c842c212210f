import { isLive, type CallStatus } from "@inbound/contracts";
import type { DialableCall } from "@inbound/db";
import { type DialerContext, moveCall } from "../context";
import { errorCode } from "@inbound/logging";

/**
 * Why a live call is ended by the dialer rather than by a provider event:
 * - dialer_lost: the provider knows no such call and the dialer that was placing it is gone (it died
 *   before or while placing it);
 * - provider_lost: the provider no longer knows a call it had placed;
 * - call_timeout: still up after CALL_MAX_DURATION_MS (hung up).
 */
export type LostReason = "dialer_lost" | "provider_lost" | "call_timeout";

const DETAIL: Record<LostReason, string> = {
  dialer_lost: "the dialer placing the call stopped and the provider has no such call",
  provider_lost: "the provider no longer knows the call",
  call_timeout: "the call lasted longer than CALL_MAX_DURATION_MS; hung up",
};

export interface LostCall {
  callId: string;
  status: CallStatus;
  /** The attempt that may be up at the provider (the call's attempts count). */
  attempt: number;
  providerCallId: string | null;
  /** Seconds since the call was answered, when it was: the duration of a conversation ended here. */
  secondsSinceAnswered: number | null;
  /** Seconds since the call was first dialled. */
  secondsSinceDialing: number | null;
}

/** A call as read from Postgres, seen as live at the provider: what reattachCall and endLostCall need of it. */
export function lostCallOf(call: DialableCall): LostCall {
  return {
    callId: call.id,
    status: call.status,
    attempt: call.attempts,
    providerCallId: call.providerCallId,
    secondsSinceAnswered: call.secondsSinceAnswered,
    secondsSinceDialing: call.secondsSinceDialing,
  };
}

/**
 * Ends a live call in one consistent state without a provider event saying how it ended: hang up at the
 * provider (best effort: the line must not stay open), then `failed` with the reason. Never answered: the
 * credit comes back (transitionCall's refund rule). Answered: the conversation happened, so the credit is
 * kept and an engagement is recorded from what the provider kept (transcript, recording), which also keeps
 * the call deletable. Returns false when the call was no longer in `status` (someone else ended it first).
 */
export async function endLostCall(ctx: DialerContext, call: LostCall, reason: LostReason): Promise<boolean> {
  if (!isLive(call.status)) return false;
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
