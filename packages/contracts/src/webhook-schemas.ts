import type { JSONSchemaType } from "ajv";

export const ACTIONS = ["call.create", "call.cancel", "call.delete"] as const;
export type Action = (typeof ACTIONS)[number];

export const MAX_ADDITIONAL_INFO_KEYS = 25;
export const MAX_ADDITIONAL_INFO_KEY_LENGTH = 64;
export const MAX_ADDITIONAL_INFO_VALUE_LENGTH = 1000;

export type AdditionalInfo = Record<string, string | number | boolean | null>;

export interface CreateCallData {
  agent_id: string;
  contact_number: string;
  contact_name?: string;
  contact_email?: string;
  additional_info?: AdditionalInfo;
  /** Call orders (SPEC §9): RFC 3339 with offset. */
  not_before?: string;
  not_after?: string;
  /** Local "HH:MM" times: narrows the organisation's calling hours. */
  calling_hours?: { start: string; end: string };
  retry?: RetryData;
}

/** A redial policy (SPEC §9): max_attempts counts every attempt, the first included. */
export interface RetryData {
  on?: ("no_answer" | "busy" | "voicemail")[];
  max_attempts?: number;
  backoff_minutes?: number[];
}

export interface CallRefData {
  call_id: string;
}

export type WebhookRequest =
  | { action: "call.create"; data: CreateCallData }
  | { action: "call.cancel"; data: CallRefData }
  | { action: "call.delete"; data: CallRefData };

export const envelopeSchema = {
  type: "object",
  required: ["action", "data"],
  additionalProperties: false,
  properties: {
    action: { type: "string", enum: [...ACTIONS] },
    data: { type: "object" },
  },
} as const;

const id = { type: "string", minLength: 1, maxLength: 64 } as const;

export const createCallSchema: JSONSchemaType<CreateCallData> = {
  type: "object",
  required: ["agent_id", "contact_number"],
  additionalProperties: false,
  properties: {
    agent_id: id,
    contact_number: { type: "string", minLength: 1, maxLength: 40, format: "phone" },
    contact_name: { type: "string", minLength: 1, maxLength: 200, nullable: true },
    contact_email: { type: "string", maxLength: 254, format: "email", nullable: true },
    additional_info: {
      type: "object",
      nullable: true,
      maxProperties: MAX_ADDITIONAL_INFO_KEYS,
      propertyNames: { minLength: 1, maxLength: MAX_ADDITIONAL_INFO_KEY_LENGTH },
      required: [],
      additionalProperties: {
        type: ["string", "number", "boolean", "null"],
        maxLength: MAX_ADDITIONAL_INFO_VALUE_LENGTH,
      } as never,
    },
    not_before: {
      type: "string",
      maxLength: 40,
      nullable: true,
      description: "RFC 3339 with offset: the call is `scheduled` until then.",
    },
    not_after: {
      type: "string",
      maxLength: 40,
      nullable: true,
      description: "RFC 3339 with offset: a call not connected by then ends `expired` (credit refunded).",
    },
    calling_hours: {
      type: "object",
      nullable: true,
      required: ["start", "end"],
      additionalProperties: false,
      description: "Local HH:MM window in the recipient's time zone(s); narrows the organisation's, never widens it.",
      properties: { start: { type: "string", maxLength: 5 }, end: { type: "string", maxLength: 5 } },
    },
    retry: {
      type: "object",
      nullable: true,
      required: [],
      additionalProperties: false,
      description: "Redial policy: attempts (1–5, the first included) and minutes to wait before each redial.",
      properties: {
        on: {
          type: "array",
          nullable: true,
          maxItems: 3,
          items: { type: "string", enum: ["no_answer", "busy", "voicemail"] },
        },
        max_attempts: { type: "integer", nullable: true, minimum: 1, maximum: 5 },
        backoff_minutes: {
          type: "array",
          nullable: true,
          maxItems: 5,
          items: { type: "integer", minimum: 1, maximum: 10080 },
        },
      },
    },
  },
};

export const callRefSchema: JSONSchemaType<CallRefData> = {
  type: "object",
  required: ["call_id"],
  additionalProperties: false,
  properties: { call_id: id },
};
