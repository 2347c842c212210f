import type { ProviderEventKind } from "@inbound/contracts";

/**
 * The telephony provider as the dialer sees it (SPEC §8). The dialer places a call and records the
 * provider's call id; the call then lives at the provider, which reports its progress as provider events
 * (status callbacks, recorded in provider_events by the callback route, or by the simulated provider's own
 * clock) that the dialers apply through the call's conditional transitions. Nothing of a live call is held
 * in a dialer's memory. A provider places one dial per (callId, attempt).
 */

/** A provider failure. transient: the same dial may succeed if tried again later (the dialer retries). */
export class ProviderError extends Error {
  constructor(
    /** Stable, PII-free code: it becomes the call's end_reason and a metric label. */
    readonly code: string,
    readonly transient: boolean,
    message?: string,
  ) {
    super(message ?? code);
    this.name = "ProviderError";
  }
}

export interface DialTarget {
  callId: string;
  /** 1 for the first dial, 2 for the first retry… With callId, the key the provider's events carry back. */
  attempt: number;
  /** E.164. */
  toNumber: string;
  agent: { id: string; name: string };
  contactName: string | null;
  additionalInfo: Record<string, unknown> | null;
}

export interface CallRef {
  callId: string;
  attempt: number;
  providerCallId?: string | null;
}

export interface RecordingMetadata {
  url: string;
  format: string;
  duration_seconds: number;
  provider: string;
  provider_call_id: string;
}

/** What a connected call produced, as the provider keeps it. */
export interface ConnectedCallRecord {
  transcript: string | null;
  recording: RecordingMetadata | null;
}

/** Where an attempt is at the provider (for re-attaching to it). */
export type ProviderCallState =
  /** The provider knows no such call (never placed, or forgotten). */
  | { state: "unknown" }
  /** Placed and not ringing yet. */
  | { state: "placed"; providerCallId: string }
  /** Still up: ringing, or answered (in_progress); expressed as the event that put it there. */
  | { state: "up"; providerCallId: string; event: Extract<ProviderEventKind, "ringing" | "answered"> }
  /** Over: how it ended, as the event that ended it. */
  | {
      state: "ended";
      providerCallId: string;
      event: ProviderEventKind;
      endReason?: string | null;
      durationSeconds?: number | null;
    };

export interface TelephonyProvider {
  readonly name: string;
  /**
   * True when getCall finds every dial ever placed by our own reference (call id and attempt), so that
   * "unknown" means "never placed" and placing the attempt again cannot ring the person twice. False for a
   * provider that can only be asked by its own call id (Twilio): an attempt whose id we never got may exist.
   */
  readonly findsCallsByOurReference: boolean;
  /**
   * Places the dial and returns at once with the provider's call id; progress comes later as provider
   * events. Rejects with ProviderError when the provider refused the dial (transient or not).
   */
  placeCall(target: DialTarget, signal: AbortSignal): Promise<{ providerCallId: string }>;
  /** Best effort and idempotent: ends the attempt's call if it is still up (any process may ask). */
  hangUp(ref: CallRef): Promise<void>;
  /** Where the attempt is now (re-attaching after a crash, a lost callback, or a redelivered job). */
  getCall(ref: CallRef): Promise<ProviderCallState>;
  /** What the provider kept of an attempt that connected (transcript, recording), fetched when it ends. */
  retrieveCall(ref: CallRef): Promise<ConnectedCallRecord | null>;
  /** Deletes the provider's copies (recordings, transcripts, number) of every attempt of the call. Idempotent. */
  deleteArtifacts(input: { callId: string; providerCallIds: string[] }): Promise<void>;
  /** Background work of the provider inside a dialer (the simulated provider's clock); stopped on shutdown. */
  start?(): void;
  stop?(): Promise<void>;
}
