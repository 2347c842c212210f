import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { isValidPhoneNumber } from "libphonenumber-js/max";
import { ApiError } from "./errors";
import {
  type Action,
  ACTIONS,
  callRefSchema,
  createCallSchema,
  envelopeSchema,
  MAX_ADDITIONAL_INFO_KEY_LENGTH,
  MAX_ADDITIONAL_INFO_KEYS,
  MAX_ADDITIONAL_INFO_VALUE_LENGTH,
  type WebhookRequest,
} from "./webhook-schemas";

const E164 = /^\+[1-9]\d{6,14}$/;

export type WebhookValidator = (body: unknown) => WebhookRequest;

/** Compiles every schema once; the returned function throws ApiError naming the faulty field. */
export function createWebhookValidator(): WebhookValidator {
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(ajv, ["email"]);
  ajv.addFormat("phone-e164", { type: "string", validate: (v) => E164.test(v) && isValidPhoneNumber(v) });

  const envelope = ajv.compile(envelopeSchema);
  const byAction: Record<Action, ValidateFunction> = {
    "call.create": ajv.compile(createCallSchema),
    "call.cancel": ajv.compile(callRefSchema),
    "call.delete": ajv.compile(callRefSchema),
  };

  return (body) => {
    if (!envelope(body)) throw toApiError(envelope.errors?.[0], "");
    const request = body as { action: Action; data: unknown };
    const validateData = byAction[request.action];
    if (!validateData(request.data)) throw toApiError(validateData.errors?.[0], "data");
    return request as WebhookRequest;
  };
}

function toApiError(error: ErrorObject | undefined, root: string): ApiError {
  if (!error) return new ApiError("invalid_body", "The request body is invalid.");
  const path = joinPath(root, error.instancePath);
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
      if (path === "") return new ApiError("invalid_body", 'The body must be a JSON object like {"action": …, "data": {…}}.');
      const expected = (error.params as { type: string | string[] }).type;
      const described = Array.isArray(expected) ? expected.join(" or ") : expected;
      if (path.startsWith("data.additional_info.")) {
        return new ApiError(
          "invalid_type",
          `${path} must be a string, number, boolean or null (no nested objects or arrays).`,
          path,
        );
      }
      return new ApiError("invalid_type", `${path} must be ${article(described)} ${described}.`, path);
    }
    case "format":
      if (path === "data.contact_number") {
        return new ApiError(
          "invalid_contact_number",
          "contact_number must be a valid phone number including the country code, e.g. +919876543210",
          path,
        );
      }
      if (path === "data.contact_email") {
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
      if (path === "data.additional_info" || error.keyword === "propertyNames") {
        return new ApiError(
          "invalid_field",
          `additional_info keys must be 1 to ${MAX_ADDITIONAL_INFO_KEY_LENGTH} characters long.`,
          "data.additional_info",
        );
      }
      if (path.startsWith("data.additional_info.")) {
        return new ApiError(
          "invalid_field",
          `${path} must be at most ${MAX_ADDITIONAL_INFO_VALUE_LENGTH} characters long.`,
          path,
        );
      }
      if (path === "data.contact_number") {
        return new ApiError(
          "invalid_contact_number",
          "contact_number must be a valid phone number including the country code, e.g. +919876543210",
          path,
        );
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
