import { isTerminal } from "@inbound/contracts";
import { type MovedCall, movePath, type TransitionRequest, type TransitionResult } from "@inbound/db";
import type { CallStore } from "./call-store";
import type { DialerStore } from "./ports/dialer-store";
import { type Logger, REDACTED_PATHS } from "@inbound/logging";
import type { Clock } from "@inbound/orders";
import type { DialerMetrics } from "./metrics";
import type { TelephonyProvider } from "./telephony/provider";

/**
 * What the use cases need, passed in (no module-level state). Storage only through the ports (calls,
 * store): every statement is the adapters' (call-store.ts, ports/dialer-store.ts over @inbound/db).
 */
export interface DialerContext {
  /** Port: claims and transitions, batched under load. */
  calls: CallStore;
  /** Port: every other statement of the use cases (see ports/dialer-store.ts). */
  store: DialerStore;
  provider: TelephonyProvider;
  logger: Logger;
  /** For the per-call lines (see perCallLogger). */
  callLog: Logger;
  metrics: DialerMetrics;
  /** Retries of transient provider errors; the longest a call may stay live (CALL_MAX_DURATION_MS). */
  dial: { maxAttempts: number; backoffMs: number; maxCallMs: number };
  liveness: DialerLiveness;
  /** "Now" for the call-order rules (SPEC §9), checked right before each dial: injectable for tests. */
  clock: Clock;
}

/** This dialer process as the owner of calls (see packages/db/src/dialer/dialer-liveness.ts). */
export interface DialerLiveness {
  /** Its row in `dialers`; written as owner_dialer_id of the calls it claims. */
  dialerId: string;
  /** A dialer whose heartbeat is older than this is dead (DIALER_DEAD_AFTER_MS). */
  deadAfterMs: number;
  /** Calls whose attempt a job handler of this process is placing right now. */
  following: Set<string>;
}

/** transitionCall, plus one log line per transition (ids and states only: never PII) and the terminal metric. */
export async function moveCall(ctx: DialerContext, request: TransitionRequest): Promise<TransitionResult> {
  const result = await ctx.calls.transition(request);
  if (result.moved) recordTransition(ctx, request, result.call);
  return result;
}

/**
 * The log lines and metric of a transition that happened (also for ones folded into another statement): one
 * line per step, so a move through `via` logs what its steps taken one by one would have.
 */
export function recordTransition(ctx: DialerContext, request: TransitionRequest, call: MovedCall): void {
  const path = movePath(request);
  for (let n = 1; n < path.length; n++) {
    const last = n === path.length - 1;
    ctx.callLog.info(
      {
        callId: request.callId,
        from: path[n - 1],
        to: path[n],
        requestId: call.requestId ?? undefined,
        attempts: call.attempts,
        endReason: last ? request.endReason : undefined,
        refunded: (last && call.refunded) || undefined,
      },
      "call transition",
    );
  }
  if (isTerminal(request.to)) ctx.metrics.callsEnded.inc({ status: request.to });
}

const TOP_LEVEL_REDACTION = { paths: REDACTED_PATHS.filter((path) => !path.includes("*")), censor: "[redacted]" };

/**
 * The logger of the per-call lines (one per transition): their fields are flat ids, states and codes, so
 * redacting the sensitive keys at the top level suffices. The full redaction (each key also one and two
 * levels down, wildcard paths) costs ~100 µs a line, 30× the line itself, 4+ lines per call.
 */
export function perCallLogger(logger: Logger): Logger {
  return logger.child({}, { redact: TOP_LEVEL_REDACTION });
}
