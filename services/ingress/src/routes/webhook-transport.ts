import { CALL_CANCELED_MESSAGE, CALL_DELETED_MESSAGE } from "@inbound/calls";
import type { Transport } from "../use-cases/action";
import { CALL_QUEUED_MESSAGE, CALL_SCHEDULED_MESSAGE } from "../use-cases/create-call";

/** The webhook's presentation (SPEC §2): fields under `data.`, and short acknowledgements. */
export const WEBHOOK_TRANSPORT: Transport = {
  name: "webhook",
  field: (name) => `data.${name}`,
  created: (call) => ({
    body:
      call.status === "scheduled"
        ? {
            success: true,
            call_id: call.id,
            status: "scheduled",
            scheduled_for: call.dueAt,
            message: `${CALL_SCHEDULED_MESSAGE} for ${call.dueAt}.`,
          }
        : { success: true, call_id: call.id, status: "queued", message: CALL_QUEUED_MESSAGE },
  }),
  canceled: async (_deps, _ctx, callId) => ({
    success: true,
    call_id: callId,
    status: "canceled",
    message: CALL_CANCELED_MESSAGE,
  }),
  deleted: (callId) => ({ success: true, call_id: callId, message: CALL_DELETED_MESSAGE }),
};
