import { setTimeout as sleep } from "node:timers/promises";
import type { RecordedProviderEvent } from "@inbound/db";
import type { DialerContext } from "../context";
import { errorCode } from "@inbound/logging";
import { applyProviderEvents } from "./apply-provider-event";

export interface ProviderEventPumpOptions {
  /** Wait between two looks when the last one found less than a batch (PROVIDER_EVENT_POLL_MS). */
  pollMs: number;
  /** Most events claimed at once. */
  batchSize?: number;
  /** How long a claim holds an event; past it another dialer may apply it (the claimer died). */
  leaseMs?: number;
}

/**
 * Hands recorded provider events (provider_events) to applyProviderEvents: claims a batch (rows other
 * dialers are claiming are skipped), applies each call's events together, in the order they were recorded
 * (one conditional move per call; calls in parallel), then marks the applied ones in one statement. Events
 * whose application failed (the provider or Postgres away) stay unapplied: their lease lapses and they are
 * tried again, so no event is lost while the dialers are busy or down, and events wait in Postgres, not in
 * Redis.
 */
export function createProviderEventPump(ctx: DialerContext, options: ProviderEventPumpOptions) {
  const batchSize = options.batchSize ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;

  async function applyAll(events: RecordedProviderEvent[]): Promise<{ id: string; outcome: string }[]> {
    const byCall = new Map<string, RecordedProviderEvent[]>();
    for (const event of events) {
      const list = byCall.get(event.callId);
      if (list) list.push(event);
      else byCall.set(event.callId, [event]);
    }
    const applied: { id: string; outcome: string }[] = [];
    await Promise.all(
      [...byCall.values()].map(async (callEvents) => {
        try {
          const outcomes = await applyProviderEvents(ctx, callEvents);
          callEvents.forEach((event, i) => applied.push({ id: event.id, outcome: outcomes[i] as string }));
        } catch (error) {
          // All of this call's events wait (they stay in order) and are applied again after their lease.
          ctx.logger.warn(
            { callId: callEvents[0]?.callId, kinds: callEvents.map((e) => e.kind), err: errorCode(error) },
            "provider events not applied; tried again after their lease",
          );
        }
      }),
    );
    return applied;
  }

  return {
    /** One round: claims, applies and marks up to a batch; returns how many events it claimed. */
    async runOnce(): Promise<number> {
      const events = await ctx.store.claimProviderEvents({ limit: batchSize, leaseMs });
      if (events.length === 0) return 0;
      await ctx.store.markProviderEventsApplied(await applyAll(events));
      return events.length;
    },
    batchSize,
  };
}

export type ProviderEventPump = ReturnType<typeof createProviderEventPump>;

/** Runs the pump until stopped: again at once after a full batch, else after pollMs. */
export function startProviderEventPump(pump: ProviderEventPump, pollMs: number, onError: (error: unknown) => void) {
  let stopped = false;
  const stop = new AbortController();
  const running = (async () => {
    while (!stopped) {
      let claimed = 0;
      try {
        claimed = await pump.runOnce();
      } catch (error) {
        onError(error);
      }
      if (claimed < pump.batchSize) await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopped = true;
      stop.abort();
      await running;
    },
  };
}
