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
    status: { const: "queued" },
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
