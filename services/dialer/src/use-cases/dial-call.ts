import type { CallStatus } from "@inbound/contracts";
import { claimRetryAttempt, type DialableCall, scheduleRetry } from "@inbound/db";
import { type DialerContext, moveCall, recordTransition } from "../context";
import { CallAbortedError, type DialProgress, ProviderError } from "../telephony/provider";
import { endLostCall, errorCode, lostCallOf } from "./end-lost-call";
import { recoverLostCall } from "./recover-lost-call";

export interface DialJob {
  callId: string;
  orgId: string;
}

export type DialResult =
  /** Nothing to do: the call is gone, ended, canceled, or another dialer holds it. */
  | { kind: "dropped"; reason: string }
  | { kind: "ended"; status: CallStatus; endReason?: string }
  /** A transient provider error: run this job again in delayMs (the call waits in dialing, retry pending). */
  | { kind: "retry"; delayMs: number };

/** The call was moved by someone else while we followed it: stop, never overwrite their state. */
class CallTakenError extends Error {
  constructor(readonly current: CallStatus | null) {
    super(`call moved on to ${current ?? "gone"}`);
    this.name = "CallTakenError";
  }
}

/**
 * The job handler of the calls queue. Decides from the call's row in Postgres, never from the job:
 * - queued: claim it (queued → dialing, attempts + 1, in the same statement as the read; a cancel that
 *   won makes the claim fail) and dial;
 * - dialing with a retry pending: claim the next attempt (conditional) and dial again;
 * - dialing without a retry pending, ringing, in_progress: this is a redelivery (its dialer died, or its
 *   lock lapsed while Redis was unreachable). Never dial again; end the call as lost only when its owner
 *   is really gone (recoverLostCall: the owner's heartbeat in Postgres); while the owner lives, drop the
 *   job and leave the call to it;
 * - anything else (terminal, canceled, deleted, missing): drop the job quietly.
 * `signal` aborts when this dialer shuts down past its deadline.
 */
export async function dialCall(ctx: DialerContext, job: DialJob, signal: AbortSignal): Promise<DialResult> {
  // A conditional write that loses a race sends us back to read what won; three rounds are plenty.
  for (let round = 0; round < 3; round++) {
    // Claims a queued call and reads what dialing needs in one round trip; any other state is only read.
    const claim = await ctx.calls.claim({ ...job, detail: "attempt 1", dialerId: ctx.liveness.dialerId });
    const call = claim.call;
    if (!call) return { kind: "dropped", reason: "call not found" };
    if (claim.claimed) {
      recordTransition(ctx, { callId: call.id, from: "queued", to: "dialing", incrementAttempts: true }, claim.moved);
      return placeAttempt(ctx, call, claim.moved.attempts, signal);
    }
    switch (call.status) {
      case "queued":
        continue; // a concurrent statement won the claim (a cancel): read what it did
      case "dialing":
      case "ringing":
      case "in_progress": {
        if (call.status === "dialing" && call.retryPending) {
          if (call.retryDueInMs > 0) return { kind: "retry", delayMs: call.retryDueInMs };
          const attempt = await claimRetryAttempt(ctx.sql, {
            callId: call.id,
            attempts: call.attempts,
            dialerId: ctx.liveness.dialerId,
          });
          if (attempt === null) continue;
          ctx.callLog.info({ callId: call.id, attempts: attempt, requestId: call.requestId ?? undefined }, "dial retry");
          return placeAttempt(ctx, call, attempt, signal);
        }
        const recovered = await recoverLostCall(ctx, lostCallOf(call));
        if (recovered === "ended") return { kind: "ended", status: "failed", endReason: "dialer_lost" };
        if (recovered === "owner_alive") {
          ctx.logger.info({ callId: call.id, status: call.status }, "dial job redelivered while a live dialer follows its call: left alone");
          return { kind: "dropped", reason: "a live dialer follows the call" };
        }
        continue;
      }
      default:
        return { kind: "dropped", reason: `call is ${call.status}` };
    }
  }
  return { kind: "dropped", reason: "call kept moving under us" };
}

/**
 * Places dial `attempt` of a call this dialer has just claimed (and owns), and follows it to one terminal
 * state. While it runs the call is in ctx.liveness.following: this process's own redelivered job or
 * reconciler never ends it as lost.
 */
async function placeAttempt(ctx: DialerContext, call: DialableCall, attempt: number, signal: AbortSignal): Promise<DialResult> {
  ctx.liveness.following.add(call.id);
  try {
    return await followAttempt(ctx, call, attempt, signal);
  } finally {
    ctx.liveness.following.delete(call.id);
  }
}

async function followAttempt(ctx: DialerContext, call: DialableCall, attempt: number, signal: AbortSignal): Promise<DialResult> {
  // Where the call is, as far as this dialer moved it (progress callbacks update it).
  const live: { state: CallStatus; providerCallId: string | null; answeredAt: number | null } = {
    state: "dialing",
    providerCallId: call.providerCallId,
    answeredAt: null,
  };
  const advance = async (to: CallStatus, extra: { providerCallId?: string } = {}) => {
    const result = await moveCall(ctx, { callId: call.id, from: live.state, to, ...extra });
    if (!result.moved) throw new CallTakenError(result.current);
    live.state = to;
  };
  const progress: DialProgress = {
    async ringing(id) {
      live.providerCallId = id;
      await advance("ringing", { providerCallId: id });
    },
    async answered() {
      await advance("in_progress");
      live.answeredAt = Date.now();
    },
  };

  if (!call.contactNumber) return endWith(ctx, call.id, live.state, "missing_contact_number", "no number to dial");
  ctx.metrics.activeCalls.inc();
  try {
    const outcome = await ctx.provider.placeCall(
      {
        callId: call.id,
        attempt,
        toNumber: call.contactNumber,
        agent: { id: call.agentId, name: call.agentName },
        contactName: call.contactName,
        additionalInfo: call.additionalInfo,
      },
      progress,
      signal,
    );
    if (outcome.status === "completed") {
      if (live.state === "ringing") await advance("in_progress");
      const done = await moveCall(ctx, {
        callId: call.id,
        from: "in_progress",
        to: "completed",
        engagement: {
          transcript: outcome.transcript,
          recording: outcome.recording ? { ...outcome.recording } : null,
          durationSeconds: outcome.durationSeconds,
        },
      });
      if (!done.moved) return { kind: "dropped", reason: `call moved on to ${done.current ?? "gone"}` };
      return { kind: "ended", status: "completed" };
    }
    return await endWith(ctx, call.id, live.state, outcome.status, undefined, outcome.status);
  } catch (error) {
    if (error instanceof CallTakenError) {
      ctx.logger.warn({ callId: call.id, current: error.current }, "call moved on while being dialed; hung up");
      return { kind: "dropped", reason: error.message };
    }
    if (error instanceof CallAbortedError) {
      // Our shutdown deadline, or a hang-up we did not ask for (another dialer recovering this call
      // ended it, the provider dropped it): end the call if it is still where we left it.
      const reason = signal.aborted ? "dialer_shutdown" : "provider_hung_up";
      const secondsSinceAnswered = live.answeredAt === null ? null : (Date.now() - live.answeredAt) / 1000;
      const { state, providerCallId } = live;
      const ended = await endLostCall(
        ctx,
        { callId: call.id, status: state, attempt, providerCallId, secondsSinceAnswered },
        reason,
      );
      if (!ended) return { kind: "dropped", reason: "call hung up and ended by another dialer" };
      return { kind: "ended", status: "failed", endReason: reason };
    }
    if (error instanceof ProviderError) {
      ctx.metrics.providerErrors.inc({ code: error.code, transient: String(error.transient) });
      if (error.transient && live.state === "dialing" && attempt < ctx.dial.maxAttempts) {
        const delayMs = ctx.dial.backoffMs * 2 ** (attempt - 1);
        const scheduled = await scheduleRetry(ctx.sql, {
          callId: call.id,
          attempts: attempt,
          delayMs,
          detail: `attempt ${attempt} failed: ${error.code} (transient); retry in ${delayMs} ms`,
        });
        if (!scheduled) return { kind: "dropped", reason: "call moved on before its retry was scheduled" };
        ctx.logger.info({ callId: call.id, attempts: attempt, code: error.code, delayMs }, "dial retry scheduled");
        return { kind: "retry", delayMs };
      }
      const why = error.transient
        ? `attempt ${attempt} failed: ${error.code} (transient); ${live.state === "dialing" ? "no attempts left" : "call already ringing"}`
        : `attempt ${attempt} failed: ${error.code}`;
      return await endWith(ctx, call.id, live.state, error.code, why);
    }
    // Anything else (Postgres away mid-call…): the provider hung up; the job fails and the reconciler
    // ends the call as lost once it can.
    ctx.logger.error({ callId: call.id, state: live.state, err: errorCode(error) }, "dial failed unexpectedly");
    throw error;
  } finally {
    ctx.metrics.activeCalls.dec();
  }
}

async function endWith(
  ctx: DialerContext,
  callId: string,
  from: CallStatus,
  endReason: string,
  detail?: string,
  to: CallStatus = "failed",
): Promise<DialResult> {
  const result = await moveCall(ctx, { callId, from, to, endReason, detail });
  if (!result.moved) return { kind: "dropped", reason: `call moved on to ${result.current ?? "gone"}` };
  return { kind: "ended", status: to, endReason };
}
