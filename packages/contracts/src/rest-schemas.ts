import { CALL_STATUSES } from "./call-status";
import { ERROR_STATUS } from "./errors";

/**
 * The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of what the REST API and the webhook answer. Requests
 * are validated by webhook-schemas.ts; these describe responses. Both feed the OpenAPI document (openapi.ts),
 * and the tests validate every REST response against it.
 */

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

/** The query parameters of GET /v1/calls; anything else is 400 unknown_parameter. */
export const LIST_CALLS_PARAMETERS = [
  "status",
  "agent_id",
  "created_after",
  "created_before",
  "limit",
  "starting_after",
] as const;

const timestamp = { type: "string", format: "date-time", description: "ISO 8601, UTC, milliseconds." } as const;
const nullableTimestamp = { type: ["string", "null"], format: "date-time" } as const;

export const callStatusSchema = { type: "string", enum: [...CALL_STATUSES] } as const;

export const engagementSchema = {
  type: "object",
  description: "What a connected call produced: its transcript and recording metadata (no audio).",
  required: ["transcript", "recording", "duration_seconds"],
  additionalProperties: false,
  properties: {
    transcript: { type: ["string", "null"] },
    recording: { type: ["object", "null"], description: "Recording metadata (URL, format, duration)." },
    duration_seconds: { type: "integer", minimum: 0 },
  },
} as const;

export const callSchema = {
  type: "object",
  description: "A call, as its organisation may read it back. A deleted call is not found (404).",
  required: [
    "id",
    "status",
    "agent_id",
    "contact_number",
    "contact_name",
    "contact_email",
    "additional_info",
    "attempts",
    "end_reason",
    "created_at",
    "queued_at",
    "dialing_at",
    "ringing_at",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "engagement",
    "schedule",
    "retry",
    "dial_attempts",
    "window_decisions",
  ],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^call_", examples: ["call_0m6x2k8j5q1w9e3r7t4y"] },
    status: { $ref: "#/components/schemas/CallStatus" },
    agent_id: { type: "string" },
    contact_number: { type: ["string", "null"], description: "E.164, as normalized when the call was created." },
    contact_name: { type: ["string", "null"] },
    contact_email: { type: ["string", "null"] },
    additional_info: {
      type: ["object", "null"],
      additionalProperties: { type: ["string", "number", "boolean", "null"] },
    },
    attempts: { type: "integer", minimum: 0, description: "Dial attempts made so far." },
    end_reason: { type: ["string", "null"] },
    created_at: timestamp,
    queued_at: timestamp,
    dialing_at: nullableTimestamp,
    ringing_at: nullableTimestamp,
    answered_at: nullableTimestamp,
    ended_at: nullableTimestamp,
    duration_seconds: { type: ["integer", "null"], minimum: 0, description: "Talk time of a connected call." },
    engagement: { oneOf: [{ $ref: "#/components/schemas/Engagement" }, { type: "null" }] },
    schedule: {
      type: "object",
      description:
        "The call order (SPEC §9): its window, when a scheduled call is due, the calling hours it got (null: any hour) and the number's time zones (all must be inside the calling hours).",
      required: ["not_before", "not_after", "due_at", "calling_hours", "time_zones"],
      additionalProperties: false,
      properties: {
        not_before: nullableTimestamp,
        not_after: nullableTimestamp,
        due_at: { ...nullableTimestamp, description: "Set while the call is scheduled: when it becomes queued." },
        calling_hours: {
          type: ["object", "null"],
          required: ["start", "end"],
          properties: { start: { type: "string" }, end: { type: "string" } },
        },
        time_zones: { type: "array", items: { type: "string" } },
      },
    },
    retry: {
      type: ["object", "null"],
      description: "The redial policy (null: no redial).",
      properties: {
        on: { type: "array", items: { type: "string", enum: ["no_answer", "busy", "voicemail"] } },
        max_attempts: { type: "integer", minimum: 1, maximum: 5 },
        backoff_minutes: { type: "array", items: { type: "integer" } },
      },
    },
    dial_attempts: {
      type: "array",
      description: "Each dial attempt, oldest first.",
      items: {
        type: "object",
        required: ["attempt", "outcome", "started_at", "ended_at"],
        properties: {
          attempt: { type: "integer", minimum: 1 },
          outcome: { type: ["string", "null"], description: "completed, no_answer, busy, voicemail, failed…; null while it runs." },
          started_at: timestamp,
          ended_at: nullableTimestamp,
        },
      },
    },
    window_decisions: {
      type: "array",
      description: "Each calling-window decision: at create, and each dial-time re-check that deferred or expired the call.",
      items: {
        type: "object",
        required: ["at", "attempt", "decision", "reason", "until"],
        properties: {
          at: timestamp,
          attempt: { type: "integer" },
          decision: { type: "string", enum: ["dial_now", "defer", "expire"] },
          reason: { type: ["string", "null"], description: "not_before, calling_hours, not_after, no_opening_before_not_after…" },
          until: nullableTimestamp,
        },
      },
    },
  },
} as const;

export const callListSchema = {
  type: "object",
  required: ["data", "has_more", "next_cursor"],
  additionalProperties: false,
  properties: {
    data: { type: "array", items: { $ref: "#/components/schemas/Call" }, maxItems: LIST_LIMIT_MAX },
    has_more: { type: "boolean" },
    next_cursor: {
      type: ["string", "null"],
      description: "Pass as starting_after for the next page; null on the last page.",
    },
  },
} as const;

export const callEventSchema = {
  type: "object",
  required: ["from_status", "to_status", "detail", "at"],
  additionalProperties: false,
  properties: {
    from_status: { oneOf: [{ $ref: "#/components/schemas/CallStatus" }, { type: "null" }] },
    to_status: { $ref: "#/components/schemas/CallStatus" },
    detail: { type: ["string", "null"], description: "A PII-free note: an end reason, an error code." },
    at: timestamp,
  },
} as const;

export const callEventListSchema = {
  type: "object",
  required: ["data"],
  additionalProperties: false,
  properties: { data: { type: "array", items: { $ref: "#/components/schemas/CallEvent" } } },
} as const;

export const deletedCallSchema = {
  type: "object",
  required: ["id", "deleted"],
  additionalProperties: false,
  properties: { id: { type: "string" }, deleted: { const: true } },
} as const;

export const errorSchema = {
  type: "object",
  required: ["success", "error"],
  additionalProperties: false,
  properties: {
    success: { const: false },
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_STATUS) },
        message: { type: "string", description: "For a person: what is wrong and what to do." },
        field: {
          type: "string",
          description:
            "The faulty field: a JSON path in the body (webhook: data.contact_number; REST: contact_number), a path or query parameter, or a header.",
        },
        status: { $ref: "#/components/schemas/CallStatus" },
        balance: { type: "integer" },
        cost: { type: "integer" },
        call_id: { type: "string", description: "duplicate_recipient: the earlier call to the same number." },
        time_zones: { type: "array", items: { type: "string" }, description: "no_calling_window: the number's zones." },
      },
    },
  },
} as const;

export const webhookCreatedSchema = {
  type: "object",
  required: ["success", "call_id", "status", "message"],
  additionalProperties: false,
  properties: {
    success: { const: true },
    call_id: { type: "string" },
    status: { type: "string", enum: ["queued", "scheduled"] },
    scheduled_for: { ...timestamp, description: "A scheduled call: when it becomes queued (SPEC §9)." },
    message: { type: "string" },
  },
} as const;

export const webhookCanceledSchema = {
  type: "object",
  required: ["success", "call_id", "status", "message"],
  additionalProperties: false,
  properties: {
    success: { const: true },
    call_id: { type: "string" },
    status: { const: "canceled" },
    message: { type: "string" },
  },
} as const;

export const webhookDeletedSchema = {
  type: "object",
  required: ["success", "call_id", "message"],
  additionalProperties: false,
  properties: { success: { const: true }, call_id: { type: "string" }, message: { type: "string" } },
} as const;

/** Call orders (SPEC §9): the do-not-call list and the organisation's call policy. */
export const optOutSchema = {
  type: "object",
  required: ["number", "source", "created_at"],
  properties: {
    number: { type: "string", description: "E.164." },
    source: { type: "string", enum: ["cli", "rest", "dashboard"] },
    created_at: timestamp,
  },
} as const;

export const optOutAddedSchema = {
  type: "object",
  required: ["number", "source", "created_at", "added", "canceled_calls", "canceled_call_ids"],
  additionalProperties: false,
  properties: {
    ...optOutSchema.properties,
    added: { type: "boolean", description: "false when the number was already listed." },
    canceled_calls: { type: "integer", minimum: 0, description: "Scheduled or queued calls to the number, canceled with it." },
    canceled_call_ids: { type: "array", items: { type: "string" } },
  },
} as const;

export const optOutListSchema = {
  type: "object",
  required: ["data", "has_more", "next_cursor"],
  additionalProperties: false,
  properties: {
    data: { type: "array", items: { $ref: "#/components/schemas/OptOut" } },
    has_more: { type: "boolean" },
    next_cursor: { type: ["string", "null"], description: "Pass as starting_after for the next page." },
  },
} as const;

export const optOutRemovedSchema = {
  type: "object",
  required: ["number", "removed"],
  additionalProperties: false,
  properties: { number: { type: "string" }, removed: { const: true } },
} as const;

const retryPolicySchema = {
  type: "object",
  properties: {
    on: { type: "array", items: { type: "string", enum: ["no_answer", "busy", "voicemail"] } },
    max_attempts: { type: "integer", minimum: 1, maximum: 5 },
    backoff_minutes: { type: "array", items: { type: "integer", minimum: 1, maximum: 10080 }, maxItems: 5 },
  },
} as const;

const clockWindowSchema = {
  type: "object",
  required: ["start", "end"],
  additionalProperties: false,
  properties: {
    start: { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" },
    end: { type: "string", pattern: "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$" },
  },
} as const;

export const callPolicySchema = {
  type: "object",
  description: "The organisation's call-order policy (SPEC §9).",
  required: [
    "org_id",
    "calling_hours",
    "calling_hours_guard",
    "calling_hours_guard_changed_at",
    "max_concurrent_calls",
    "concurrent_calls_in_use",
    "dedupe_window_minutes",
    "default_retry",
  ],
  additionalProperties: false,
  properties: {
    org_id: { type: "string" },
    calling_hours: { ...clockWindowSchema, description: "Local time in the recipient's time zone(s); default 08:00–21:00." },
    calling_hours_guard: { type: "boolean", description: "Calling hours applied (default true)." },
    calling_hours_guard_changed_at: { ...nullableTimestamp, description: "When the guard was last turned off or on." },
    max_concurrent_calls: { type: "integer", minimum: 1 },
    concurrent_calls_in_use: { type: "integer", minimum: 0 },
    dedupe_window_minutes: { type: "integer", minimum: 0, description: "0 = off." },
    default_retry: { oneOf: [retryPolicySchema, { type: "null" }] },
  },
} as const;

/** PATCH /v1/call-policy: only the fields given change. */
export const callPolicyChangeSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    calling_hours: clockWindowSchema,
    calling_hours_guard: { type: "boolean" },
    max_concurrent_calls: { type: "integer", minimum: 1, maximum: 1000 },
    dedupe_window_minutes: { type: "integer", minimum: 0, maximum: 10080 },
    default_retry: { oneOf: [retryPolicySchema, { type: "null" }] },
  },
} as const;
