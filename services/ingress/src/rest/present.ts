import type { CallEventRecord, CallRecord } from "@inbound/db";
import { readCall } from "@inbound/db";
import { presentOrder } from "@inbound/orders";
import type { CreatedCall, Transport } from "../use-cases/action";
import { callNotFound } from "@inbound/calls";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The call object of SPEC §5 (schema: callSchema in @inbound/contracts). */
export function presentCall(call: CallRecord): Record<string, unknown> {
  return {
    id: call.id,
    status: call.status,
    agent_id: call.agentId,
    contact_number: call.contactNumber,
    contact_name: call.contactName,
    contact_email: call.contactEmail,
    additional_info: call.additionalInfo,
    attempts: call.attempts,
    end_reason: call.endReason,
    created_at: call.createdAt.toISOString(),
    queued_at: call.queuedAt.toISOString(),
    dialing_at: iso(call.dialingAt),
    ringing_at: iso(call.ringingAt),
    answered_at: iso(call.answeredAt),
    ended_at: iso(call.endedAt),
    duration_seconds: call.engagement?.durationSeconds ?? null,
    engagement: call.engagement
      ? {
          transcript: call.engagement.transcript,
          recording: call.engagement.recording,
          duration_seconds: call.engagement.durationSeconds,
        }
      : null,
    ...presentOrder(call.order),
  };
}

/** A call just created, as GET would show it: queued, no attempt yet, created (and queued) when committed. */
function presentCreated(call: CreatedCall): Record<string, unknown> {
  return {
    id: call.id,
    status: call.status,
    agent_id: call.agentId,
    contact_number: call.contactNumber,
    contact_name: call.contactName,
    contact_email: call.contactEmail,
    additional_info: call.additionalInfo,
    attempts: 0,
    end_reason: null,
    created_at: call.createdAt,
    queued_at: call.createdAt,
    dialing_at: null,
    ringing_at: null,
    answered_at: null,
    ended_at: null,
    duration_seconds: null,
    engagement: null,
    schedule: {
      not_before: call.order.not_before,
      not_after: call.order.not_after,
      due_at: call.order.due_at,
      calling_hours: call.order.calling_hours,
      time_zones: call.order.time_zones,
    },
    retry: call.order.retry,
    dial_attempts: [],
    window_decisions: call.order.window_decisions,
  };
}

export function presentEvent(event: CallEventRecord): Record<string, unknown> {
  return { from_status: event.fromStatus, to_status: event.toStatus, detail: event.detail, at: event.at.toISOString() };
}

/**
 * The REST API's presentation (SPEC §5): fields named as in the request (the body's own fields, the path's
 * call_id), and the call object as the answer to create and cancel.
 */
export const REST_TRANSPORT: Transport = {
  name: "REST API",
  field: (name) => name,
  // Stored with the call (keyed requests) before its creation time is known: the statement fills it in.
  created: (call) => ({ body: presentCreated(call), stampCreatedAt: ["created_at", "queued_at"] }),
  async canceled(deps, ctx, callId) {
    const call = await readCall(deps.sql, ctx.orgId, callId);
    if (!call) throw callNotFound("call_id");
    return presentCall(call);
  },
  deleted: (callId) => ({ id: callId, deleted: true }),
};
