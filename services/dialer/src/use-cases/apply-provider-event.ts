import {
  type CallStatus,
  forwardPath,
  isRetryPending,
  isTerminal,
  type ProviderEvent,
  statusOfProviderEvent,
} from "@inbound/contracts";
import type { CallProgress, EngagementRecord } from "@inbound/db";
import { planAttemptEnd, REDIAL_OUTCOMES } from "@inbound/orders";
import { type DialerContext, moveCall } from "../context";

/** What applying an event did: `moved`, or `ignored:<why>` (stored with the event, PII-free). */
export type ApplyOutcome =
  | "moved"
  | "ignored:call_gone"
  | "ignored:other_attempt"
  | "ignored:retry_pending"
  | "ignored:already_there"
  | "ignored:past_it"
  | "ignored:contended";

/**
 * Applies one provider event to its call through the state machine's conditional transitions: the event
 * names the status the call is in now (statusOfProviderEvent) and the call walks the forward path to it,
 * one conditional move at a time (a `completed` seen before its `answered` still passes by in_progress).
 * Invariants: an event of another attempt than the call's current one, a duplicate, or one that comes
 * after a later one (the call is past it, or ended) changes nothing; a move that loses a race re-reads
 * the call and walks again. A connected call's engagement (transcript and recording the provider kept) is
 * fetched from the provider and written in the same statement as its end. Throws when the provider or
 * Postgres fails (the event stays unapplied and is tried again).
 */
export async function applyProviderEvent(ctx: DialerContext, event: ProviderEvent): Promise<ApplyOutcome> {
  const target = statusOfProviderEvent(event.kind);
  for (let round = 0; round < 4; round++) {
    const call = await ctx.calls.progress(event.callId);
    if (!call) return "ignored:call_gone";
    if (call.attempts !== event.attempt) return "ignored:other_attempt";
    if (isRetryPending(call)) return "ignored:retry_pending";
    const path = forwardPath(call.status, target);
    if (path === null) return "ignored:past_it";
    if (path.length === 0) return "ignored:already_there";
    if (await walk(ctx, call, path, event)) return "moved";
  }
  return "ignored:contended";
}

/** Moves the call along `path`; false when a move found the call elsewhere (someone else moved it). */
async function walk(ctx: DialerContext, call: CallProgress, path: CallStatus[], event: ProviderEvent): Promise<boolean> {
  let from = call.status;
  for (const to of path) {
    const ends = isTerminal(to);
    // SPEC §9: an attempt that ended no_answer, busy or voicemail may earn a redial under the call's policy:
    // the call goes back to scheduled (due inside the window, before not_after), this attempt's outcome kept.
    const redial = from === "ringing" && (REDIAL_OUTCOMES as readonly string[]).includes(to) ? await redialOf(ctx, call, to) : null;
    if (redial) {
      const result = await moveCall(ctx, {
        callId: call.id,
        from,
        to: "scheduled",
        providerCallId: event.providerCallId ?? undefined,
        attemptOutcome: to,
        dueAt: redial.dueAt,
        decision: redial.decision,
        detail: `${event.provider} event ${event.kind}; redial due ${redial.dueAt.toISOString()}`,
      });
      return result.moved;
    }
    const result = await moveCall(ctx, {
      callId: call.id,
      from,
      to,
      providerCallId: event.providerCallId ?? undefined,
      endReason: ends && to !== "completed" ? (event.endReason ?? (to === "failed" ? "provider_failed" : to)) : undefined,
      detail: `${event.provider} event ${event.kind}`,
      engagement: from === "in_progress" ? await engagementOf(ctx, call, event) : undefined,
    });
    if (!result.moved) return false;
    from = to;
  }
  return true;
}

/** The redial the call's policy gives after an attempt ended `outcome`, or null (see planAttemptEnd). */
async function redialOf(ctx: DialerContext, call: CallProgress, outcome: string) {
  const context = await ctx.store.loadRedialContext(call.id);
  if (!context?.retryPolicy) return null;
  const plan = planAttemptEnd(context, outcome, ctx.clock.now());
  return plan.redial ? plan : null;
}

/** What the conversation produced, from the provider's copies (the event itself carries no PII). */
async function engagementOf(ctx: DialerContext, call: CallProgress, event: ProviderEvent): Promise<EngagementRecord> {
  const kept = await ctx.provider.retrieveCall({
    callId: call.id,
    attempt: event.attempt,
    providerCallId: event.providerCallId ?? call.providerCallId,
  });
  return {
    transcript: kept?.transcript ?? null,
    recording: kept?.recording ? { ...kept.recording } : null,
    durationSeconds: event.durationSeconds ?? kept?.recording?.duration_seconds ?? call.secondsSinceAnswered ?? 0,
  };
}
