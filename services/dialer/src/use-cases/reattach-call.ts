import type { DialerContext } from "../context";
import { errorCode } from "@inbound/logging";
import { applyProviderEvent } from "./apply-provider-event";
import { endLostCall, type LostCall } from "./end-lost-call";

export type ReattachOutcome =
  /** The provider's view was applied (or the call was already there): it carries on at the provider. */
  | "reattached"
  /** Ended here: gone at the provider (dialer_lost / provider_lost), or past CALL_MAX_DURATION_MS. */
  | "ended"
  /** Unknown at the provider while a live dialer may still be placing it: left alone for now. */
  | "owner_alive"
  /** Never placed at the provider (it finds calls by our reference): its next attempt is scheduled. */
  | "retry_scheduled"
  /** The call moved on meanwhile: read it again. */
  | "moved";

/**
 * A live call (dialing without a pending retry, ringing, in_progress) met by a redelivered job or by the
 * reconciler because no provider event moved it for a while. It lives at the provider, so ask the provider
 * (getCall) and apply what it says as a provider event (a callback may have been lost); never dial again.
 * The call is ended here only when:
 * - the provider knows no such call: as `provider_lost` when it had given us its id, else as `dialer_lost`
 *   once the dialer that was placing it is gone (takeOverLostCall: its heartbeat in Postgres). Except when
 *   the provider finds every dial by our own reference (findsCallsByOurReference): then "unknown" means
 *   the attempt was never placed (its placing failed, e.g. Postgres went away mid-claim), and the next
 *   attempt is scheduled like after a transient provider error, so the person still gets one call;
 * - it is still up past CALL_MAX_DURATION_MS after it was first dialled: hung up, `call_timeout`.
 * A call still up is marked as looked at (updated_at), so the reconciler asks again only after its idle time.
 */
export async function reattachCall(ctx: DialerContext, call: LostCall): Promise<ReattachOutcome> {
  if (ctx.liveness.following.has(call.callId)) return "owner_alive";
  const ref = { callId: call.callId, attempt: call.attempt, providerCallId: call.providerCallId };
  const seen = await ctx.provider.getCall(ref);
  if (seen.state === "unknown") {
    if (call.providerCallId) return (await endLostCall(ctx, call, "provider_lost")) ? "ended" : "moved";
    const taken = await ctx.store.takeOverLostCall({
      callId: call.callId,
      status: call.status,
      dialerId: ctx.liveness.dialerId,
      deadAfterMs: ctx.liveness.deadAfterMs,
      ownCallUnfollowed: true, // not in `following` (checked above): if this process owns it, its placing ended
    });
    if (!taken.taken) return taken.ownerAlive ? "owner_alive" : "moved";
    if (ctx.provider.findsCallsByOurReference && call.status === "dialing" && call.attempt < ctx.dial.maxAttempts) {
      const delayMs = ctx.dial.backoffMs * 2 ** (call.attempt - 1);
      const scheduled = await ctx.store.scheduleRetry({
        callId: call.callId,
        attempts: call.attempt,
        delayMs,
        detail: `attempt ${call.attempt} was never placed at the provider; retry in ${delayMs} ms`,
      });
      return scheduled ? "retry_scheduled" : "moved";
    }
    return (await endLostCall(ctx, call, "dialer_lost")) ? "ended" : "moved";
  }
  if (seen.state !== "ended" && (call.secondsSinceDialing ?? 0) * 1000 > ctx.dial.maxCallMs) {
    return (await endLostCall(ctx, { ...call, providerCallId: seen.providerCallId }, "call_timeout")) ? "ended" : "moved";
  }
  if (seen.state !== "placed") {
    const outcome = await applyProviderEvent(ctx, {
      provider: ctx.provider.name,
      providerCallId: seen.providerCallId,
      callId: call.callId,
      attempt: call.attempt,
      kind: seen.event,
      endReason: seen.state === "ended" ? seen.endReason : undefined,
      durationSeconds: seen.state === "ended" ? seen.durationSeconds : undefined,
    });
    if (outcome === "moved") return "reattached";
    if (outcome !== "ignored:already_there") return "moved";
  }
  await ctx.store.touchLiveCall({ callId: call.callId, status: call.status }).catch((error: unknown) => {
    ctx.logger.warn({ callId: call.callId, err: errorCode(error) }, "could not mark a re-attached call as seen");
  });
  return "reattached";
}
