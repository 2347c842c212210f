import { takeOverLostCall } from "@inbound/db";
import type { DialerContext } from "../context";
import { endLostCall, type LostCall } from "./end-lost-call";

export type RecoverOutcome =
  /** Its owner was gone: this dialer took it over, hung it up and ended it failed/dialer_lost. */
  | "ended"
  /** A live dialer (maybe this one) follows it: left alone; it carries on and the reconciler looks again later. */
  | "owner_alive"
  /** The call moved on meanwhile (ended, or to its next state): read it again. */
  | "moved";

/**
 * A call mid-call (dialing without a pending retry, ringing, in_progress) met by a redelivered job or the
 * reconciler. Whether a job is live in Redis says nothing about the call (a Redis blip lets every lock
 * lapse while the dialers talk on): the decision is takeOverLostCall's, from the owner's heartbeat in
 * Postgres. Only when the owner is gone is the call taken over, hung up and ended as `dialer_lost`; a
 * call this process follows itself is never touched from here.
 */
export async function recoverLostCall(ctx: DialerContext, call: LostCall): Promise<RecoverOutcome> {
  if (call.status !== "dialing" && call.status !== "ringing" && call.status !== "in_progress") return "moved";
  if (ctx.liveness.following.has(call.callId)) return "owner_alive";
  const taken = await takeOverLostCall(ctx.sql, {
    callId: call.callId,
    status: call.status,
    dialerId: ctx.liveness.dialerId,
    deadAfterMs: ctx.liveness.deadAfterMs,
    // Not in `following` (checked just above): if this process owns it, its attempt ended abnormally.
    ownCallUnfollowed: true,
  });
  if (!taken.taken) return taken.ownerAlive ? "owner_alive" : "moved";
  return (await endLostCall(ctx, call, "dialer_lost")) ? "ended" : "moved";
}
