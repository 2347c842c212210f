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
  },
};

export const callRefSchema: JSONSchemaType<CallRefData> = {
  type: "object",
  required: ["call_id"],
  additionalProperties: false,
  properties: { call_id: id },
};
