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
 * Applies provider events of ONE call, in the order they were recorded, through the state machine's
 * conditional transitions: each event names the status the call is in now (statusOfProviderEvent) and the
 * call walks the forward path to it (a `completed` seen before its `answered` still passes by in_progress).
 * The steps of all the events are taken in ONE conditional move (TransitionRequest.via): a call whose
 * ringing, answered and completed arrive together costs one statement, with one event, stamp and status
 * webhook per step, as three moves would leave. Invariants: an event of another attempt than the call's
 * current one, a duplicate, or one that comes after a later one (the call is past it, or ended) changes
 * nothing; a move that loses a race re-reads the call and walks again. A connected call's engagement
 * (transcript and recording the provider kept) is fetched from the provider and written in the same
 * statement as its end. Throws when the provider or Postgres fails (the events stay unapplied and are tried
 * again, as a whole: applying one twice is harmless).
 */
export async function applyProviderEvents(ctx: DialerContext, events: readonly ProviderEvent[]): Promise<ApplyOutcome[]> {
  const callId = events[0]?.callId;
  if (callId === undefined) return [];
  for (let round = 0; round < 4; round++) {
    const call = await ctx.calls.progress(callId);
    if (!call) return events.map(() => "ignored:call_gone");
    const outcomes: ApplyOutcome[] = [];
    const steps: Step[] = [];
    let at = call.status;
    for (const event of events) {
      if (event.attempt !== call.attempts) {
        outcomes.push("ignored:other_attempt");
        continue;
      }
      if (isRetryPending(call)) {
        outcomes.push("ignored:retry_pending");
        continue;
      }
      const path = forwardPath(at, statusOfProviderEvent(event.kind));
      if (path === null) outcomes.push("ignored:past_it");
      else if (path.length === 0) outcomes.push("ignored:already_there");
      else {
        for (const status of path) steps.push({ status, event });
        at = path.at(-1) as CallStatus;
        outcomes.push("moved");
      }
    }
    if (steps.length === 0 || (await walk(ctx, call, steps))) return outcomes;
  }
  return events.map(() => "ignored:contended");
}

/** applyProviderEvents for one event. */
export async function applyProviderEvent(ctx: DialerContext, event: ProviderEvent): Promise<ApplyOutcome> {
  const [outcome] = await applyProviderEvents(ctx, [event]);
  return outcome as ApplyOutcome;
}

/** One step of a walk: the status entered, and the event that took the call there. */
interface Step {
  status: CallStatus;
  event: ProviderEvent;
}

/** Moves the call along `steps` in one conditional move; false when it found the call elsewhere (a race). */
async function walk(ctx: DialerContext, call: CallProgress, steps: Step[]): Promise<boolean> {
  const { status: to, event } = steps.at(-1) as Step;
  const passed = steps.slice(0, -1);
  const from = passed.at(-1)?.status ?? call.status;
  const walked = {
    callId: call.id,
    from: call.status,
    via: passed.map((step) => ({ status: step.status, detail: noteOf(step.event) })),
    providerCallId: steps.findLast((step) => step.event.providerCallId)?.event.providerCallId ?? undefined,
  };
  // SPEC §9: an attempt that ended no_answer, busy or voicemail may earn a redial under the call's policy:
  // the call goes back to scheduled (due inside the window, before not_after), this attempt's outcome kept.
  const redial = from === "ringing" && (REDIAL_OUTCOMES as readonly string[]).includes(to) ? await redialOf(ctx, call, to) : null;
  const result = redial
    ? await moveCall(ctx, {
        ...walked,
        to: "scheduled",
        attemptOutcome: to,
        dueAt: redial.dueAt,
        decision: redial.decision,
        detail: `${noteOf(event)}; redial due ${redial.dueAt.toISOString()}`,
      })
    : await moveCall(ctx, {
        ...walked,
        to,
        endReason: isTerminal(to) && to !== "completed" ? (event.endReason ?? (to === "failed" ? "provider_failed" : to)) : undefined,
        detail: noteOf(event),
        engagement: from === "in_progress" ? await engagementOf(ctx, call, event) : undefined,
      });
  return result.moved;
}

/** The note of a step in the call's event log (PII-free). */
function noteOf(event: ProviderEvent): string {
  return `${event.provider} event ${event.kind}`;
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
