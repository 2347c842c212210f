import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "@inbound/contracts";
import {
  type BatcherOptions,
  createBatcher,
  findSimulatedDial,
  findSimulatedDials,
  settleFailedWrite,
  hangUpSimulatedDial,
  insertSimulatedDials,
  purgeSimulatedDials,
  type SimulatedDial,
  type SimulatedDialInput,
  type SimulatedStep,
  type SqlClient,
  stepSimulatedDials,
} from "@inbound/db";
import {
  type CallRef,
  type ConnectedCallRecord,
  type DialTarget,
  type ProviderCallState,
  ProviderError,
  type RecordingMetadata,
  type TelephonyProvider,
} from "./provider";

export interface SimulatedTimings {
  ringMs: number;
  talkMs: number;
  noAnswerMs: number;
  /** How often the provider's clock looks for due events when it found none (SIM_TICK_MS). */
  tickMs?: number;
  /** The provider API's round trip: placeCall answers after this long (SIM_PLACE_MS; abortable). */
  placeMs?: number;
  /** The store's statement timeout (DATABASE_TIMEOUT_MS): how long a dial whose write failed takes to settle. */
  settleMs?: number;
}

export type SimulatedBehaviour = "no_answer" | "busy" | "fail" | "transient_then_connect" | "voicemail" | "connect";

/**
 * The test-number table: the destination's last four digits choose the outcome (`attempt`: the call's dial
 * attempt, for the numbers whose later attempts differ).
 */
export function simulatedBehaviour(toNumber: string, attempt = 1): SimulatedBehaviour {
  if (toNumber.endsWith("0000")) return "no_answer";
  // SPEC §9: answered by a machine.
  if (toNumber.endsWith("0004")) return "voicemail";
  // No answer on the first attempt, answered on the next (a redial that connects).
  if (toNumber.endsWith("0005")) return attempt <= 1 ? "no_answer" : "connect";
  if (toNumber.endsWith("0001")) return "busy";
  if (toNumber.endsWith("0002")) return "fail";
  if (toNumber.endsWith("0003")) return "transient_then_connect";
  return "connect";
}

/** The events a placed dial will produce, each after the previous one (the test-number table's timings). */
export function simulatedScript(behaviour: SimulatedBehaviour, timings: SimulatedTimings): SimulatedStep[] {
  switch (behaviour) {
    case "no_answer":
      return [
        ["ringing", 0],
        ["no_answer", timings.noAnswerMs],
      ];
    case "busy":
      return [
        ["ringing", 0],
        ["busy", timings.ringMs],
      ];
    case "voicemail":
      return [
        ["ringing", 0],
        ["voicemail", timings.ringMs],
      ];
    case "fail":
      return [];
    default:
      return [
        ["ringing", 0],
        ["answered", timings.ringMs],
        ["completed", timings.talkMs],
      ];
  }
}

const PROVIDER = "simulated";
/** Most due dials one clock statement steps (each emits every one of its events that is due). */
const TICK_BATCH = 500;

/**
 * A telephony provider that behaves like a real one on the provider-event model: placeCall records the
 * dial (with its number, transcript and recording URL: the provider's copies, until purged) and returns at
 * once; the call's progress then comes as provider events, recorded in provider_events by the provider's
 * clock (advanceSimulatedDials), the table the callback route writes a real provider's callbacks to, and
 * applied from there by whichever dialer claims them. The clock's schedule is in Postgres and every dialer
 * running the simulated provider carries it on, so a call outlives the dialer that placed it.
 */
export class SimulatedProvider implements TelephonyProvider {
  /** Its store is keyed by our reference (call id, attempt): "unknown" means never placed. */
  readonly findsCallsByOurReference = true;
  readonly name = PROVIDER;
  private readonly insertDial: (dial: SimulatedDialInput) => Promise<boolean>;
  /** The provider's record of a dial (getCall, retrieveCall): looks arriving together share one statement. */
  private readonly findDial: (ref: { callId: string; attempt: number }) => Promise<SimulatedDial | null>;
  private clock: { stop(): Promise<void> } | undefined;

  /** sql: the pg pool in production (named prepared statements); a PrismaClient works too. */
  constructor(
    private readonly sql: SqlClient,
    private readonly timings: SimulatedTimings,
    batching: BatcherOptions = {},
    private readonly onClockError: (error: unknown) => void = () => undefined,
  ) {
    this.insertDial = createBatcher((dials: SimulatedDialInput[]) => insertSimulatedDials(sql, dials), batching);
    this.findDial = createBatcher((refs: { callId: string; attempt: number }[]) => findSimulatedDials(sql, refs), batching);
  }

  async placeCall(target: DialTarget, signal: AbortSignal): Promise<{ providerCallId: string }> {
    signal.throwIfAborted();
    if (this.timings.placeMs) await sleep(this.timings.placeMs, undefined, { signal });
    const behaviour = simulatedBehaviour(target.toNumber, target.attempt);
    const refused =
      behaviour === "fail" ? "failed" : behaviour === "transient_then_connect" && target.attempt === 1 ? "transient_error" : null;
    const providerCallId = newId("sim");
    const lines = transcriptLines(target);
    let placed: boolean;
    try {
      placed = await this.insertDial({
        providerCallId,
        callId: target.callId,
        attempt: target.attempt,
        toNumber: target.toNumber,
        outcome: refused ?? "dialing",
        script: refused ? [] : simulatedScript(behaviour, this.timings),
        transcript: refused ? null : lines.join("\n"),
        recordingUrl: refused ? null : recordingUrl(providerCallId),
      });
    } catch (error) {
      // The provider's own store failed (Postgres away). Like a real provider's 5xx: transient when the
      // dial was certainly not recorded, so the attempt is retried and the person still gets their one call.
      const settled = await settleFailedWrite(error, {
        timeoutMs: this.timings.settleMs ?? 3000,
        readBack: () => findSimulatedDial(this.sql, { callId: target.callId, attempt: target.attempt }),
      });
      if (settled.outcome === "absent")
        throw new ProviderError("provider_unavailable", true, "the provider could not take the call");
      if (settled.outcome === "unknown") throw error; // the job fails; the reconciler re-attaches with getCall
      placed = settled.value.providerCallId === providerCallId;
    }
    if (!placed) {
      // Idempotency key already used: this attempt was placed (or hung up) before. Never ring twice.
      throw new ProviderError("duplicate_attempt", false, "this dial attempt was already placed");
    }
    if (refused === "failed") throw new ProviderError("destination_unreachable", false, "the destination cannot be reached");
    if (refused === "transient_error") throw new ProviderError("carrier_timeout", true, "the carrier did not answer in time");
    return { providerCallId };
  }

  /** One round of the clock: emits every due event (up to a batch); returns how many. */
  async tick(): Promise<number> {
    return (await this.step()).emitted;
  }

  private step(): Promise<{ emitted: number; dueAgain: boolean }> {
    return stepSimulatedDials(this.sql, TICK_BATCH);
  }

  start(): void {
    if (this.clock) return;
    let stopped = false;
    const stop = new AbortController();
    const idleMs = this.timings.tickMs ?? 100;
    const running = (async () => {
      while (!stopped) {
        // Again at once after a full round (more dials may be due); else after idleMs.
        let again = false;
        try {
          again = (await this.step()).dueAgain;
        } catch (error) {
          this.onClockError(error);
        }
        if (!again) await sleep(idleMs, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    })();
    this.clock = {
      async stop() {
        stopped = true;
        stop.abort();
        await running;
      },
    };
  }

  async stop(): Promise<void> {
    await this.clock?.stop();
    this.clock = undefined;
  }

  async hangUp(ref: CallRef): Promise<void> {
    await hangUpSimulatedDial(this.sql, { callId: ref.callId, attempt: ref.attempt });
  }

  async getCall(ref: CallRef): Promise<ProviderCallState> {
    const row = await this.findDial({ callId: ref.callId, attempt: ref.attempt });
    if (!row) return { state: "unknown" };
    const providerCallId = row.providerCallId;
    switch (row.outcome) {
      case "dialing":
        return { state: "placed", providerCallId };
      case "ringing":
        return { state: "up", providerCallId, event: "ringing" };
      case "in_progress":
        return { state: "up", providerCallId, event: "answered" };
      case "completed":
        return { state: "ended", providerCallId, event: "completed", durationSeconds: talkSeconds(row.talkedSeconds) };
      case "busy":
      case "no_answer":
      case "voicemail":
        return { state: "ended", providerCallId, event: row.outcome, endReason: row.outcome };
      case "hung_up":
        return { state: "ended", providerCallId, event: "failed", endReason: "provider_hung_up" };
      default:
        return { state: "ended", providerCallId, event: "failed", endReason: "provider_failed" };
    }
  }

  async retrieveCall(ref: CallRef): Promise<ConnectedCallRecord | null> {
    const row = await this.findDial({ callId: ref.callId, attempt: ref.attempt });
    if (!row || row.talkedSeconds === null || row.purged) return null;
    // The transcript grows with the conversation: its opening while it goes on, all of it once it ended.
    const lines = row.transcript?.split("\n") ?? [];
    const recording: RecordingMetadata | null = row.recordingUrl
      ? {
          url: row.recordingUrl,
          format: "audio/wav",
          duration_seconds: talkSeconds(row.talkedSeconds),
          provider: PROVIDER,
          provider_call_id: row.providerCallId,
        }
      : null;
    return {
      transcript: row.transcript === null ? null : (row.outcome === "completed" ? lines : lines.slice(0, 2)).join("\n"),
      recording,
    };
  }

  async deleteArtifacts(input: { callId: string }): Promise<void> {
    await purgeSimulatedDials(this.sql, input.callId);
  }
}

function recordingUrl(providerCallId: string): string {
  return `https://recordings.simulated-provider.invalid/${providerCallId}.wav`;
}

function talkSeconds(seconds: number | null): number {
  return Math.max(1, Math.round(seconds ?? 0));
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
