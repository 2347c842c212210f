import { WEBHOOK_CALL_DATA_FIELDS } from "@inbound/contracts";
import type { ClaimedMessage } from "@inbound/db";

/**
 * The exact body sent, rebuilt from the stored payload in a fixed key order (type, timestamp, data; a call
 * event's data in SPEC §6's order), so every attempt of a message sends the same bytes.
 */
export function webhookBody(payload: ClaimedMessage["payload"]): string {
  const data = payload.type.startsWith("call.")
    ? Object.fromEntries(WEBHOOK_CALL_DATA_FIELDS.map((field) => [field, payload.data[field] ?? null]))
    : payload.data;
  return JSON.stringify({ type: payload.type, timestamp: payload.timestamp, data });
}
