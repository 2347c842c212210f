import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "@inbound/contracts";
import type { PrismaClient } from "@inbound/db";
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
  /** Calls up in this process, so hangUp can end them at once (other processes' calls end via the store). */
  private readonly live = new Map<string, AbortController>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly timings: SimulatedTimings,
  ) {}

  async placeCall(target: DialTarget, progress: DialProgress, signal: AbortSignal): Promise<DialOutcome> {
    if (signal.aborted) throw new CallAbortedError(signal.reason);
    const key = liveKey(target);
    const hangup = new AbortController();
    const stop = AbortSignal.any([signal, hangup.signal]);
    const providerCallId = newId("sim");
    const placed = await this.prisma.$queryRaw<{ provider_call_id: string }[]>`
      INSERT INTO simulated_provider_calls (provider_call_id, call_id, attempt, to_number, outcome)
      VALUES (${providerCallId}, ${target.callId}, ${target.attempt}::int, ${target.toNumber}, 'dialing')
      ON CONFLICT (call_id, attempt) DO NOTHING
      RETURNING provider_call_id`;
    if (placed.length === 0) {
      // Idempotency key already used: this attempt was placed (or hung up) before. Never ring twice.
      throw new ProviderError("duplicate_attempt", false, "this dial attempt was already placed");
    }
    this.live.set(key, hangup);
    try {
      return await this.follow(target, providerCallId, progress, stop);
    } catch (error) {
      if (!(error instanceof ProviderError)) await this.setOutcome(providerCallId, "hung_up").catch(() => undefined);
      if (isAbort(error)) throw new CallAbortedError(stop.reason);
      throw error;
    } finally {
      this.live.delete(key);
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
      await this.setOutcome(providerCallId, "failed");
      throw new ProviderError("destination_unreachable", false, "the destination cannot be reached");
    }
    if (behaviour === "transient_then_connect" && target.attempt === 1) {
      await this.setOutcome(providerCallId, "transient_error");
      throw new ProviderError("carrier_timeout", true, "the carrier did not answer in time");
    }
    await progress.ringing(providerCallId);
    if (behaviour === "busy") {
      await sleep(this.timings.ringMs, undefined, { signal: stop });
      await this.setOutcome(providerCallId, "busy");
      return { status: "busy", providerCallId };
    }
    if (behaviour === "no_answer") {
      await sleep(this.timings.noAnswerMs, undefined, { signal: stop });
      await this.setOutcome(providerCallId, "no_answer");
      return { status: "no_answer", providerCallId };
    }
    await sleep(this.timings.ringMs, undefined, { signal: stop });
    const lines = transcriptLines(target);
    const recording: RecordingMetadata = {
      url: `https://recordings.simulated-provider.invalid/${providerCallId}.wav`,
      format: "audio/wav",
      duration_seconds: talkSeconds(this.timings.talkMs),
      provider: PROVIDER,
      provider_call_id: providerCallId,
    };
    // Answered: the recording exists from here on, and the transcript grows as the conversation goes.
    await this.prisma.simulatedProviderCall.update({
      where: { providerCallId },
      data: { outcome: "in_progress", recordingUrl: recording.url, transcript: lines.slice(0, 2).join("\n") },
    });
    await progress.answered();
    await sleep(this.timings.talkMs, undefined, { signal: stop });
    const transcript = lines.join("\n");
    await this.prisma.simulatedProviderCall.update({
      where: { providerCallId },
      data: { outcome: "completed", transcript },
    });
    return { status: "completed", providerCallId, durationSeconds: recording.duration_seconds, transcript, recording };
  }

  async hangUp(ref: CallRef): Promise<void> {
    this.live.get(liveKey(ref))?.abort("hung_up");
    await this.prisma.simulatedProviderCall.updateMany({
      where: { callId: ref.callId, attempt: ref.attempt, outcome: { in: ["dialing", "in_progress"] } },
      data: { outcome: "hung_up" },
    });
  }

  async retrieveCall(ref: CallRef): Promise<ConnectedCallRecord | null> {
    const row = await this.prisma.simulatedProviderCall.findUnique({
      where: { callId_attempt: { callId: ref.callId, attempt: ref.attempt } },
    });
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
    await this.prisma.simulatedProviderCall.updateMany({
      where: { callId: input.callId },
      data: { transcript: null, recordingUrl: null, toNumber: null, purgedAt: new Date() },
    });
  }

  private async setOutcome(providerCallId: string, outcome: string): Promise<void> {
    await this.prisma.simulatedProviderCall.update({ where: { providerCallId }, data: { outcome } });
  }
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
