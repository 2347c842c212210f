import { type CallStatus, isRetryPending } from "@inbound/contracts";
import type { DialableCall } from "@inbound/db";
import { judgeDial } from "@inbound/orders";
import { type DialerContext, moveCall, recordTransition } from "../context";
import { ProviderError } from "../telephony/provider";
import { lostCallOf } from "./end-lost-call";
import { reattachCall } from "./reattach-call";

export interface DialJob {
  callId: string;
  orgId: string;
}

export type DialResult =
  /** Nothing to do: the call is gone, ended, canceled, or another dialer holds it. */
  | { kind: "dropped"; reason: string }
  /** The attempt is placed: the call lives at the provider, its events move it on. */
  | { kind: "placed"; attempt: number }
  /** A redelivered job found the call live: where the provider says it is, applied (see reattachCall). */
  | { kind: "reattached"; outcome: string }
  | { kind: "ended"; status: CallStatus; endReason?: string }
  /** A transient provider error: run this job again in delayMs (the call waits in dialing, retry pending). */
  | { kind: "retry"; delayMs: number }
  /** SPEC §9, judged right before the dial: deferred (scheduled again), expired or canceled (opted out). */
  | { kind: "order"; outcome: "deferred" | "expired" | "opted_out" }
  /** The organisation is at its max_concurrent_calls: the call is parked, queued, until a slot frees. */
  | { kind: "waiting_for_slot" };

/**
 * The job handler of the calls queue. Decides from the call's row in Postgres, never from the job:
 * - queued: claim it (queued → dialing, attempts + 1, owner = this dialer, in the same statement as the
 *   read; a cancel that won makes the claim fail) and place the attempt. The claim is gated (SPEC §9): a call
 *   with call-order rules (not_before, not_after, calling hours) or an opted-out number is judged first, by
 *   the dialer's clock, right before the dial (judgeDial): dialled, scheduled again for the next opening,
 *   expired (refunded) or canceled (opted out). A claim over the organisation's max_concurrent_calls parks
 *   the call (the job ends; the due-calls loop hands it a freed slot, oldest first);
 * - dialing with a retry pending: claim the next attempt (conditional) and place it;
 * - dialing without a retry pending, ringing, in_progress: a redelivery (the dialer died while placing, or
 *   its lock lapsed). Never dial again: re-attach to the call at the provider (reattachCall);
 * - anything else (terminal, canceled, deleted, missing): drop the job quietly.
 * The job ends once the attempt is placed: the call lives at the provider, not in this process.
 */
export async function dialCall(ctx: DialerContext, job: DialJob, signal: AbortSignal): Promise<DialResult> {
  // A conditional write that loses a race sends us back to read what won; three rounds are plenty.
  let gated = true;
  for (let round = 0; round < 3; round++) {
    const claim = await ctx.calls.claim({ ...job, detail: "attempt 1", dialerId: ctx.liveness.dialerId, gated });
    const call = claim.call;
    if (!call) return { kind: "dropped", reason: "call not found" };
    if (claim.claimed) {
      recordTransition(ctx, { callId: call.id, from: "queued", to: "dialing", incrementAttempts: true }, claim.moved);
      return placeAttempt(ctx, call, claim.moved.attempts, signal);
    }
    if (claim.waitingForSlot) return { kind: "waiting_for_slot" };
    if (claim.needsCheck) {
      const judged = await judgeBeforeDial(ctx, call);
      if (judged === "dial") {
        gated = false;
        round -= 1; // the judgement is not a lost race
        continue;
      }
      if (judged) return { kind: "order", outcome: judged };
      continue; // the call moved under the judgement: read it again
    }
    switch (call.status) {
      case "queued":
        continue; // a concurrent statement won the claim (a cancel): read what it did
      case "dialing":
      case "ringing":
      case "in_progress": {
        if (isRetryPending(call)) {
          if (call.retryDueInMs > 0) return { kind: "retry", delayMs: call.retryDueInMs };
          const attempt = await ctx.store.claimRetryAttempt({
            callId: call.id,
            attempts: call.attempts,
            dialerId: ctx.liveness.dialerId,
          });
          if (attempt === null) continue;
          ctx.callLog.info({ callId: call.id, attempts: attempt, requestId: call.requestId ?? undefined }, "dial retry");
          return placeAttempt(ctx, call, attempt, signal);
        }
        const outcome = await reattachCall(ctx, lostCallOf(call));
        // Moved, or its next attempt scheduled: read the call again (a pending retry answers with its delay).
        if (outcome === "moved" || outcome === "retry_scheduled") continue;
        ctx.logger.info({ callId: call.id, status: call.status, outcome }, "dial job redelivered for a live call: re-attached");
        return { kind: "reattached", outcome };
      }
      default:
        return { kind: "dropped", reason: `call is ${call.status}` };
    }
  }
  return { kind: "dropped", reason: "call kept moving under us" };
}

/**
 * SPEC §9, right before the dial: the call's rules by the dialer's clock. Moves the call (one conditional
 * transition) when it may not be dialled now; "dial" when it may; null when it moved meanwhile.
 */
async function judgeBeforeDial(
  ctx: DialerContext,
  call: DialableCall,
): Promise<"dial" | "deferred" | "expired" | "opted_out" | null> {
  const judgement = judgeDial(call.order, ctx.clock.now(), call.attempts + 1);
  switch (judgement.action) {
    case "dial":
      return "dial";
    case "cancel": {
      const result = await moveCall(ctx, { callId: call.id, from: "queued", to: "canceled", detail: "opted_out", endReason: "opted_out" });
      return result.moved ? "opted_out" : null;
    }
    case "defer": {
      const result = await moveCall(ctx, {
        callId: call.id,
        from: "queued",
        to: "scheduled",
        dueAt: judgement.dueAt,
        decision: judgement.decision,
        detail: `deferred at dial time until ${judgement.dueAt.toISOString()}`,
      });
      return result.moved ? "deferred" : null;
    }
    case "expire": {
      const result = await moveCall(ctx, {
        callId: call.id,
        from: "queued",
        to: "expired",
        decision: judgement.decision,
        endReason: "not_after",
        detail: `expired at dial time (${String(judgement.decision.reason)})`,
      });
      return result.moved ? "expired" : null;
    }
  }
}

/**
 * Places dial `attempt` of a call this dialer has just claimed (and owns), and records the provider's call
 * id. While it runs the call is in ctx.liveness.following: this process's own reconciler leaves it alone.
 */
async function placeAttempt(ctx: DialerContext, call: DialableCall, attempt: number, signal: AbortSignal): Promise<DialResult> {
  ctx.liveness.following.add(call.id);
  try {
    if (!call.contactNumber) return await endWith(ctx, call.id, "missing_contact_number", "no number to dial");
    const placed = await ctx.provider.placeCall(
      {
        callId: call.id,
        attempt,
        toNumber: call.contactNumber,
        agent: { id: call.agentId, name: call.agentName },
        contactName: call.contactName,
        additionalInfo: call.additionalInfo,
      },
      signal,
    );
    // Its events may have moved the call already (they carry the id too): this write only fills a gap.
    await ctx.calls.recordPlacement({ callId: call.id, attempt, providerCallId: placed.providerCallId });
    return { kind: "placed", attempt };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error; // the job fails; the reconciler re-attaches later
    ctx.metrics.providerErrors.inc({ code: error.code, transient: String(error.transient) });
    if (error.transient && attempt < ctx.dial.maxAttempts) {
      const delayMs = ctx.dial.backoffMs * 2 ** (attempt - 1);
      const scheduled = await ctx.store.scheduleRetry({
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
      ? `attempt ${attempt} failed: ${error.code} (transient); no attempts left`
      : `attempt ${attempt} failed: ${error.code}`;
    return await endWith(ctx, call.id, error.code, why);
  } finally {
    ctx.liveness.following.delete(call.id);
  }
}

async function endWith(ctx: DialerContext, callId: string, endReason: string, detail?: string): Promise<DialResult> {
  const result = await moveCall(ctx, { callId, from: "dialing", to: "failed", endReason, detail });
  if (!result.moved) return { kind: "dropped", reason: `call moved on to ${result.current ?? "gone"}` };
  return { kind: "ended", status: "failed", endReason };
}
