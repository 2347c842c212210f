import type { ProviderEventKind } from "./provider-event";

/** Twilio's call statuses (CallStatus of the REST API and of status callbacks). */
export const TWILIO_CALL_STATUSES = [
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "no-answer",
  "failed",
  "canceled",
] as const;

export type TwilioCallStatus = (typeof TWILIO_CALL_STATUSES)[number];

export function isTwilioCallStatus(value: unknown): value is TwilioCallStatus {
  return typeof value === "string" && (TWILIO_CALL_STATUSES as readonly string[]).includes(value);
}

/**
 * Twilio's status as one of our provider events: null for `queued`/`initiated` (the call is placed and not
 * ringing yet: the call stays dialing). `canceled` (hung up before it was answered, by us or by Twilio)
 * ends the call failed with end reason provider_canceled; `failed` with provider_failed.
 */
export function twilioEventOf(status: TwilioCallStatus): { kind: ProviderEventKind; endReason?: string } | null {
  switch (status) {
    case "queued":
    case "initiated":
      return null;
    case "ringing":
      return { kind: "ringing" };
    case "in-progress":
      return { kind: "answered" };
    case "completed":
      return { kind: "completed" };
    case "busy":
      return { kind: "busy", endReason: "busy" };
    case "no-answer":
      return { kind: "no_answer", endReason: "no_answer" };
    case "failed":
      return { kind: "failed", endReason: "provider_failed" };
    case "canceled":
      return { kind: "failed", endReason: "provider_canceled" };
  }
}
