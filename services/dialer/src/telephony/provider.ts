/**
 * The telephony provider as the dialer sees it. A provider places one dial per (callId, attempt): that
 * pair is its idempotency key, so asking twice for the same attempt never rings a phone twice.
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

/** placeCall rejects with this when its signal aborted: the provider hung up. */
export class CallAbortedError extends Error {
  constructor(readonly reason: unknown) {
    super("call aborted: hung up at the provider");
    this.name = "CallAbortedError";
  }
}

export interface DialTarget {
  callId: string;
  /** 1 for the first dial, 2 for the first retry… With callId, the provider's idempotency key. */
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

/**
 * Progress of a placed call. If a callback throws (the call is no longer ours, Postgres is away), the
 * provider hangs up and placeCall rejects with that same error.
 */
export interface DialProgress {
  ringing(providerCallId: string): Promise<void>;
  answered(): Promise<void>;
}

export interface RecordingMetadata {
  url: string;
  format: string;
  duration_seconds: number;
  provider: string;
  provider_call_id: string;
}

export interface ConnectedCallRecord {
  transcript: string | null;
  recording: RecordingMetadata | null;
}

export type DialOutcome =
  | ({ status: "completed"; providerCallId: string; durationSeconds: number } & ConnectedCallRecord)
  | { status: "no_answer" | "busy"; providerCallId: string };

export interface TelephonyProvider {
  readonly name: string;
  /**
   * Places the dial and follows it to its end. Rejects with ProviderError (the dial failed), with
   * CallAbortedError (signal aborted: hung up), or with the error a progress callback threw.
   */
  placeCall(target: DialTarget, progress: DialProgress, signal: AbortSignal): Promise<DialOutcome>;
  /** Best effort and idempotent: ends the attempt's call if it is still up (any process may ask). */
  hangUp(ref: CallRef): Promise<void>;
  /** What the provider kept of an attempt that connected (transcript so far, recording): for a lost call. */
  retrieveCall(ref: CallRef): Promise<ConnectedCallRecord | null>;
  /** Deletes the provider's copies (recordings, transcripts, number) of every attempt of the call. Idempotent. */
  purge(input: { callId: string; providerCallId: string | null }): Promise<void>;
}
