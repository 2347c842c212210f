import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "@inbound/contracts";
import {
  findSimulatedDial,
  hangUpSimulatedDial,
  insertSimulatedDials,
  purgeSimulatedDials,
  type SimulatedDialInput,
  type SimulatedDialUpdate,
  type SqlClient,
  updateSimulatedDials,
  type BatcherOptions,
  createBatcher,
} from "@inbound/db";
import {
  CallAbortedError,
  type CallRef,
  type ConnectedCallRecord,
  type DialOutcome,
  type DialProgress,
  type DialTarget,
  ProviderError,
  type RecordingMetadata,
  type TelephonyProvider,
} from "./provider";

export interface SimulatedTimings {
  ringMs: number;
  talkMs: number;
  noAnswerMs: number;
}

export type SimulatedBehaviour = "no_answer" | "busy" | "fail" | "transient_then_connect" | "connect";

/** The test-number table: the destination's last four digits choose the outcome. */
export function simulatedBehaviour(toNumber: string): SimulatedBehaviour {
  if (toNumber.endsWith("0000")) return "no_answer";
  if (toNumber.endsWith("0001")) return "busy";
  if (toNumber.endsWith("0002")) return "fail";
  if (toNumber.endsWith("0003")) return "transient_then_connect";
  return "connect";
}

const PROVIDER = "simulated";

/**
 * A telephony provider that keeps its own store, like a real one: every dial it places is a row of
 * simulated_provider_calls (unique per call and attempt, so tests count dials there), and a connected
 * call's recording URL and transcript stay there until purged.
 */
export class SimulatedProvider implements TelephonyProvider {
  readonly name = PROVIDER;
  /**
   * Calls up in this process, so hangUp can end them at once. A hang-up asked by another process (one that
   * recovered a call it believed lost) reaches the owner through the store: every step of a call writes
   * to its row only while the row is still up (see updateSimulatedDials), and a refused write ends the call
   * here with CallAbortedError. So the owner stops at its next step and cannot write the transcript or the
   * recording back after a hang-up or a purge.
   */
  private readonly live = new Map<string, AbortController>();

  /** Its writes, batched like the dialer's own statements (a busy provider's backend would do no worse). */
  private readonly insertDial: (dial: SimulatedDialInput) => Promise<boolean>;
  private readonly updateDial: (update: SimulatedDialUpdate) => Promise<boolean>;

  /** sql: the pg pool in production (named prepared statements); a PrismaClient works too. */
  constructor(
    private readonly sql: SqlClient,
    private readonly timings: SimulatedTimings,
    batching: BatcherOptions = {},
  ) {
    this.insertDial = createBatcher((dials: SimulatedDialInput[]) => insertSimulatedDials(sql, dials), batching);
    this.updateDial = createBatcher(
      (updates: SimulatedDialUpdate[]) => updateSimulatedDials(sql, updates),
      batching,
    );
  }

  async placeCall(target: DialTarget, progress: DialProgress, signal: AbortSignal): Promise<DialOutcome> {
    if (signal.aborted) throw new CallAbortedError(signal.reason);
    const key = liveKey(target);
    // One controller per call, aborted by a hang-up or by the dialer's signal. (AbortSignal.any would tie a
    // dependent signal per call to the dialer's long-lived one: measurably slower at hundreds of calls.)
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const providerCallId = newId("sim");
    try {
      const placed = await this.insertDial({
        providerCallId,
        callId: target.callId,
        attempt: target.attempt,
        toNumber: target.toNumber,
      });
      if (!placed) {
        // Idempotency key already used: this attempt was placed (or hung up) before. Never ring twice.
        throw new ProviderError("duplicate_attempt", false, "this dial attempt was already placed");
      }
      this.live.set(key, stop);
      try {
        return await this.follow(target, providerCallId, progress, stop.signal);
      } catch (error) {
        if (!(error instanceof ProviderError)) await this.setOutcome(providerCallId, "hung_up").catch(() => undefined);
        if (isAbort(error)) throw new CallAbortedError(stop.signal.reason);
        throw error;
      } finally {
        this.live.delete(key);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  private async follow(
    target: DialTarget,
    providerCallId: string,
    progress: DialProgress,
    stop: AbortSignal,
  ): Promise<DialOutcome> {
    const behaviour = simulatedBehaviour(target.toNumber);
    if (behaviour === "fail") {
      await this.step({ providerCallId, outcome: "failed" });
      throw new ProviderError("destination_unreachable", false, "the destination cannot be reached");
    }
    if (behaviour === "transient_then_connect" && target.attempt === 1) {
      await this.step({ providerCallId, outcome: "transient_error" });
      throw new ProviderError("carrier_timeout", true, "the carrier did not answer in time");
    }
    await progress.ringing(providerCallId);
    if (behaviour === "busy") {
      await wait(this.timings.ringMs, stop);
      await this.step({ providerCallId, outcome: "busy" });
      return { status: "busy", providerCallId };
    }
    if (behaviour === "no_answer") {
      await wait(this.timings.noAnswerMs, stop);
      await this.step({ providerCallId, outcome: "no_answer" });
      return { status: "no_answer", providerCallId };
    }
    await wait(this.timings.ringMs, stop);
    const lines = transcriptLines(target);
    const recording: RecordingMetadata = {
      url: `https://recordings.simulated-provider.invalid/${providerCallId}.wav`,
      format: "audio/wav",
      duration_seconds: talkSeconds(this.timings.talkMs),
      provider: PROVIDER,
      provider_call_id: providerCallId,
    };
    // Answered: the recording exists from here on, and the transcript grows as the conversation goes.
    await this.step({
      providerCallId,
      outcome: "in_progress",
      recordingUrl: recording.url,
      transcript: lines.slice(0, 2).join("\n"),
    });
    await progress.answered();
    await wait(this.timings.talkMs, stop);
    const transcript = lines.join("\n");
    await this.step({ providerCallId, outcome: "completed", transcript });
    return { status: "completed", providerCallId, durationSeconds: recording.duration_seconds, transcript, recording };
  }

  async hangUp(ref: CallRef): Promise<void> {
    this.live.get(liveKey(ref))?.abort("hung_up");
    await hangUpSimulatedDial(this.sql, { callId: ref.callId, attempt: ref.attempt });
  }

  async retrieveCall(ref: CallRef): Promise<ConnectedCallRecord | null> {
    const row = await findSimulatedDial(this.sql, { callId: ref.callId, attempt: ref.attempt });
    if (!row || (!row.recordingUrl && !row.transcript)) return null;
    return {
      transcript: row.transcript,
      recording: row.recordingUrl
        ? {
            url: row.recordingUrl,
            format: "audio/wav",
            duration_seconds: Math.max(0, Math.round((Date.now() - row.placedAt.getTime()) / 1000)),
            provider: PROVIDER,
            provider_call_id: row.providerCallId,
          }
        : null,
    };
  }

  async purge(input: { callId: string; providerCallId: string | null }): Promise<void> {
    await purgeSimulatedDials(this.sql, input.callId);
  }

  private async setOutcome(providerCallId: string, outcome: string): Promise<void> {
    await this.updateDial({ providerCallId, outcome });
  }

  /** One step of a call at the provider; the call was hung up (by any process) or purged meanwhile: it ends here. */
  private async step(update: SimulatedDialUpdate): Promise<void> {
    if (!(await this.updateDial(update))) throw new CallAbortedError("hung_up");
  }
}

/** Waits ms (no timer at all for 0: zero timings are for benchmarks); rejects with an AbortError on stop. */
async function wait(ms: number, stop: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, { signal: stop });
  else if (stop.aborted) throw new DOMException("The operation was aborted", "AbortError");
}

function liveKey(ref: { callId: string; attempt: number }): string {
  return `${ref.callId}:${ref.attempt}`;
}

/** Node's AbortError (by name: it may come from another realm, e.g. under jest). */
function isAbort(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

function talkSeconds(talkMs: number): number {
  return Math.max(1, Math.round(talkMs / 1000));
}

/** A plausible conversation: the agent, the contact's name and the additional_info the caller sent. */
export function transcriptLines(target: DialTarget): string[] {
  const name = target.contactName?.trim() || "there";
  const details = Object.entries(target.additionalInfo ?? {})
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([key, value]) => `${key.replace(/_/g, " ")}: ${String(value)}`);
  const lines = [
    `Agent (${target.agent.name}, ${target.agent.id}): Hello ${name}, this is ${target.agent.name} calling. Is now a good time?`,
    `Contact: Yes, go ahead.`,
  ];
  if (details.length > 0) {
    lines.push(
      `Agent (${target.agent.name}, ${target.agent.id}): I have these details on file: ${details.join("; ")}. Is that right?`,
    );
    lines.push("Contact: Yes, that's right.");
  }
  lines.push(`Agent (${target.agent.name}, ${target.agent.id}): Thank you, ${name}. Have a good day!`, "Contact: Thanks, bye.");
  return lines;
}
