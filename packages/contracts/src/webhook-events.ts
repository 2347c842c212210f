import { CALL_STATUSES } from "./call-status";

/**
 * Status-webhook event types (SPEC §6): one per call status, plus `call.deleted`. `webhook.test` is sent
 * only by `endpoint test` and cannot be subscribed to.
 */
export const WEBHOOK_EVENT_TYPES = [...CALL_STATUSES.map((status) => `call.${status}` as const), "call.deleted"] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_TEST_EVENT_TYPE = "webhook.test";

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * The `data` of a call event, in the order it is sent. Nothing else ever leaves: no number, name, email,
 * additional_info or transcript (a receiver that needs them reads the call with an API key).
 */
export const WEBHOOK_CALL_DATA_FIELDS = [
  "call_id",
  "status",
  "previous_status",
  "agent_id",
  "attempt",
  "end_reason",
  "duration_seconds",
  "sequence",
] as const;

export interface WebhookCallEventData {
  call_id: string;
  /** The call's status after the event (`deleted` for call.deleted). */
  status: string;
  previous_status: string | null;
  agent_id: string;
  attempt: number;
  end_reason: string | null;
  duration_seconds: number | null;
  /** 1, 2, 3…: orders one call's events (a receiver may get them out of order, and more than once). */
  sequence: number;
}

export interface WebhookEventBody {
  type: string;
  /** RFC 3339, UTC, when the event happened (the transition's commit statement). */
  timestamp: string;
  data: Record<string, unknown>;
}
