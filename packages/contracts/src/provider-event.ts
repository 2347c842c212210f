import type { CallStatus } from "./call-status";

/**
 * What a telephony provider reports about a placed call (SPEC §8), in our words. Each kind names the
 * status the call is in once it happened; applying it is idempotent (see forwardPath).
 */
export const PROVIDER_EVENT_KINDS = ["ringing", "answered", "completed", "busy", "no_answer", "failed", "voicemail"] as const;

export type ProviderEventKind = (typeof PROVIDER_EVENT_KINDS)[number];

const STATUS_OF: Readonly<Record<ProviderEventKind, CallStatus>> = {
  ringing: "ringing",
  answered: "in_progress",
  completed: "completed",
  busy: "busy",
  no_answer: "no_answer",
  failed: "failed",
  /** Answered by a machine (SPEC §9). */
  voicemail: "voicemail",
};

export function isProviderEventKind(value: unknown): value is ProviderEventKind {
  return typeof value === "string" && (PROVIDER_EVENT_KINDS as readonly string[]).includes(value);
}

/** The call status a provider event puts the call in. */
export function statusOfProviderEvent(kind: ProviderEventKind): CallStatus {
  return STATUS_OF[kind];
}

/**
 * A provider event as recorded (provider_events) and applied. PII-free by construction: no number, no
 * transcript (those stay at the provider and are fetched when the call ends).
 */
export interface ProviderEvent {
  provider: string;
  providerCallId: string | null;
  callId: string;
  /** The dial attempt the event is about: an event of another attempt than the call's current one is ignored. */
  attempt: number;
  kind: ProviderEventKind;
  /** For failed (and busy/no_answer if the provider gives one): a stable, PII-free code. */
  endReason?: string | null;
  /** For completed: the conversation's length as the provider measured it. */
  durationSeconds?: number | null;
}
