import Ajv, { type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import { ApiError } from "./errors";
import { contactNumberMessage, normalizePhoneNumber, type PhoneNumberCheck } from "./phone";
import {
  type Action,
  ACTIONS,
  type CallRefData,
  type CreateCallData,
  callRefSchema,
  createCallSchema,
  envelopeSchema,
  MAX_ADDITIONAL_INFO_KEY_LENGTH,
  MAX_ADDITIONAL_INFO_KEYS,
  MAX_ADDITIONAL_INFO_VALUE_LENGTH,
  type WebhookRequest,
} from "./webhook-schemas";

export type WebhookValidator = (body: unknown) => WebhookRequest;

/** Validates (and normalizes) one action's data; `root` prefixes the field paths of its errors ("data" or ""). */
type DataValidator<T> = (value: unknown, root: string) => T;

/** normalizePhoneNumber, remembering its last answer: the format check and the normalization parse once. */
function lastPhoneNumber(): (value: string) => PhoneNumberCheck {
  let last: { value: string; check: PhoneNumberCheck } | undefined;
  return (value) => {
    if (last?.value !== value) last = { value, check: normalizePhoneNumber(value) };
    return last.check;
  };
}

/** One Ajv with the formats the schemas use; `phone` is libphonenumber's (any formatting, country code required). */
function createAjv(phone: (value: string) => PhoneNumberCheck): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(ajv, ["email"]);
  ajv.addFormat("phone", { type: "string", validate: (v) => phone(v).ok });
  return ajv;
}

function compileDataValidators(
  ajv: Ajv,
  phone: (value: string) => PhoneNumberCheck,
): { "call.create": DataValidator<CreateCallData>; ref: DataValidator<CallRefData> } {
  const create = ajv.compile(createCallSchema);
  const ref = ajv.compile(callRefSchema);
  return {
    "call.create": (value, root) => {
      if (!create(value)) throw toApiError(create.errors?.[0], root, value, CREATE_EXAMPLE);
      const data = value as CreateCallData;
      // Stored and answered in E.164, whatever formatting the sender used.
      const number = phone(data.contact_number);
      return number.ok && number.e164 !== data.contact_number ? { ...data, contact_number: number.e164 } : data;
    },
    ref: (value, root) => {
      if (!ref(value)) throw toApiError(ref.errors?.[0], root, value);
      return value as CallRefData;
    },
  };
}

/** Compiles every schema once; the returned function throws ApiError naming the faulty field. */
export function createWebhookValidator(): WebhookValidator {
  const phone = lastPhoneNumber();
  const ajv = createAjv(phone);
  const envelope = ajv.compile(envelopeSchema);
  const data = compileDataValidators(ajv, phone);
  const byAction: Record<Action, DataValidator<unknown>> = {
    "call.create": data["call.create"],
    "call.cancel": data.ref,
    "call.delete": data.ref,
  };
  return (body) => {
    if (!envelope(body)) throw toApiError(envelope.errors?.[0], "", body);
    const request = body as { action: Action; data: unknown };
    return { action: request.action, data: byAction[request.action](request.data, "data") } as WebhookRequest;
  };
}

/**
 * The REST body of POST /v1/calls: exactly call.create's `data`, validated by the same schema and rules. Its
 * fields are named as they appear in that body ("contact_number", not "data.contact_number").
 */
export function createCallDataValidator(): (body: unknown) => CreateCallData {
  const phone = lastPhoneNumber();
  const data = compileDataValidators(createAjv(phone), phone);
  return (body) => data["call.create"](body, "");
}

const ENVELOPE_EXAMPLE = '{"action": …, "data": {…}}';
const CREATE_EXAMPLE = '{"agent_id": …, "contact_number": …}';

/** `example`: what the body should look like, for a body that is not even an object. */
function toApiError(error: ErrorObject | undefined, root: string, instance: unknown, example = ENVELOPE_EXAMPLE): ApiError {
  if (!error) return new ApiError("invalid_body", "The request body is invalid.");
  const rel = joinPath("", error.instancePath);
  const path = joinPath(root, error.instancePath);
  const at = (field: string) => [root, field].filter(Boolean).join(".");
  switch (error.keyword) {
    case "required": {
      const field = joinPath(path, `/${(error.params as { missingProperty: string }).missingProperty}`);
      return new ApiError("missing_field", `${field} is required.`, field);
    }
    case "additionalProperties": {
      const field = joinPath(path, `/${(error.params as { additionalProperty: string }).additionalProperty}`);
      return new ApiError("unknown_field", `${field} is not a known field; remove it.`, field);
    }
    case "enum":
      if (path === "action") {
        return new ApiError("unknown_action", `action must be one of: ${ACTIONS.join(", ")}.`, "action");
      }
      return new ApiError("invalid_field", `${path} has an unsupported value.`, path);
    case "type": {
      if (path === "") return new ApiError("invalid_body", `The body must be a JSON object like ${example}.`);
      const expected = (error.params as { type: string | string[] }).type;
      const described = Array.isArray(expected) ? expected.join(" or ") : expected;
      if (rel.startsWith("additional_info.")) {
        return new ApiError(
          "invalid_type",
          `${path} must be a string, number, boolean or null (no nested objects or arrays).`,
          path,
        );
      }
      return new ApiError("invalid_type", `${path} must be ${article(described)} ${described}.`, path);
    }
    case "format":
      if (rel === "contact_number") {
        const value = (instance as { contact_number?: unknown })?.contact_number;
        const check = typeof value === "string" ? normalizePhoneNumber(value) : undefined;
        return new ApiError("invalid_contact_number", contactNumberMessage(check?.ok === false ? check.reason : "invalid"), path);
      }
      if (rel === "contact_email") {
        return new ApiError("invalid_contact_email", "contact_email must be a valid email address, e.g. jane@example.com", path);
      }
      return new ApiError("invalid_field", `${path} has an invalid format.`, path);
    case "maxProperties":
      return new ApiError(
        "too_many_additional_info_keys",
        `additional_info may hold at most ${MAX_ADDITIONAL_INFO_KEYS} keys.`,
        path,
      );
    case "propertyNames":
    case "minLength":
    case "maxLength":
      if (rel === "additional_info" || error.keyword === "propertyNames") {
        return new ApiError(
          "invalid_field",
          `additional_info keys must be 1 to ${MAX_ADDITIONAL_INFO_KEY_LENGTH} characters long.`,
          at("additional_info"),
        );
      }
      if (rel.startsWith("additional_info.")) {
        return new ApiError(
          "invalid_field",
          `${path} must be at most ${MAX_ADDITIONAL_INFO_VALUE_LENGTH} characters long.`,
          path,
        );
      }
      if (rel === "contact_number") {
        return new ApiError("invalid_contact_number", contactNumberMessage("invalid"), path);
      }
      return new ApiError(
        "invalid_field",
        `${path} ${error.keyword === "minLength" ? "must not be empty" : `must be at most ${(error.params as { limit: number }).limit} characters long`}.`,
        path,
      );
    default:
      return new ApiError("invalid_field", `${path || "body"} ${error.message ?? "is invalid"}.`, path || undefined);
  }
}

function joinPath(root: string, instancePath: string): string {
  const rest = instancePath
    .split("/")
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
  return [root, rest].filter(Boolean).join(".");
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
