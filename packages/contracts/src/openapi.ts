import { WEBHOOK_ENDPOINT_SCHEMAS, webhookEndpointPaths } from "./openapi-webhook-endpoints";
import { ACTIONS, callRefSchema, createCallSchema, envelopeSchema } from "./webhook-schemas";
import {
  callEventListSchema,
  callPolicyChangeSchema,
  callPolicySchema,
  optOutAddedSchema,
  optOutListSchema,
  optOutRemovedSchema,
  optOutSchema,
  callEventSchema,
  callListSchema,
  callSchema,
  callStatusSchema,
  deletedCallSchema,
  engagementSchema,
  errorSchema,
  LIST_LIMIT_DEFAULT,
  LIST_LIMIT_MAX,
  webhookCanceledSchema,
  webhookCreatedSchema,
  webhookDeletedSchema,
} from "./rest-schemas";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * An Ajv request schema (JSONSchemaType, draft-07 with Ajv's `nullable`) as JSON Schema 2020-12, the dialect
 * of OpenAPI 3.1: `nullable: true` becomes a "null" in `type`. Everything else is the same schema.
 */
export function toOpenApiSchema(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (!schema || typeof schema !== "object") return schema as Json;
  const out: { [key: string]: Json } = {};
  const source = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (key === "nullable") continue;
    out[key] = toOpenApiSchema(value);
  }
  if (source.nullable === true && source.type !== undefined) {
    const types = Array.isArray(source.type) ? [...source.type] : [source.type];
    if (!types.includes("null")) types.push("null");
    out.type = types as Json;
  }
  if (source.required && Array.isArray(source.required) && source.required.length === 0) delete out.required;
  return out;
}

const json = (schemaRef: string, description: string, headers: Record<string, Json> = {}) => ({
  description,
  headers: { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" }, ...headers },
  content: { "application/json": { schema: { $ref: `#/components/schemas/${schemaRef}` } } },
});

const rateLimited = {
  RateLimit: { $ref: "#/components/headers/RateLimit" },
  "RateLimit-Policy": { $ref: "#/components/headers/RateLimit-Policy" },
};

const error = (description: string, headers: Record<string, Json> = {}) => json("Error", description, headers);

/** Errors every authenticated REST operation can answer. */
const restErrors = {
  "401": { $ref: "#/components/responses/InvalidApiKey" },
  "429": { $ref: "#/components/responses/TooManyRequests" },
  "503": { $ref: "#/components/responses/ServiceUnavailable" },
};

const callNotFound = { $ref: "#/components/responses/CallNotFound" };

/**
 * The OpenAPI 3.1 description of the webhook (SPEC §2), the REST API (§5) and its status-webhook endpoints
 * (§6), generated from the schemas that validate requests (webhook-schemas.ts) and describe responses
 * (rest-schemas.ts, openapi-webhook-endpoints.ts): one source of truth. Every route the REST router mounts is
 * here (services/ingress/src/rest/openapi-coverage.test.ts).
 */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}): Record<string, Json> {
  const createCallData = toOpenApiSchema(createCallSchema) as { [key: string]: Json };
  const properties = createCallData.properties as { [key: string]: { [key: string]: Json } };
  properties.contact_number = {
    ...properties.contact_number,
    description:
      "With its country code (+ or 00): E.164 such as +919876543210, or as CRMs export it (+1 (415) 555-2671, +91 98765 43210, 0044 20 7946 0958). Stored and answered normalized to E.164.",
    examples: ["+919876543210", "+1 (415) 555-2671"],
  };
  const webhookRequest = {
    description: 'The webhook body: {"action", "data"}, data as the action requires.',
    oneOf: ACTIONS.map((action) => ({
      type: "object",
      required: [...envelopeSchema.required],
      additionalProperties: false,
      properties: {
        action: { const: action },
        data: { $ref: `#/components/schemas/${action === "call.create" ? "CreateCallData" : "CallRefData"}` },
      },
    })),
  } as Json;

  const document = {
    openapi: "3.1.0",
    info: {
      title: "Inbound calls API",
      version: "1.0.0",
      description:
        "Trigger, cancel, delete and read AI voice calls: a webhook for no-code tools (the secret token is in the URL) and a REST API for custom applications (an API key in the Authorization header). Both share validation, credits, the daily quota, idempotency and the error shape.",
    },
    servers: [{ url: options.serverUrl ?? "http://localhost:3000" }],
    tags: [
      { name: "Calls", description: "REST API: Authorization: Bearer sk_…" },
      { name: "Webhook", description: "POST /v1/hooks/{token}, for no-code tools and CRMs." },
      { name: "Call orders", description: "SPEC §9: the do-not-call list and the call-order policy (API key)." },
      {
        name: "Status webhooks",
        description:
          "Endpoints that receive signed call events (Standard Webhooks), their delivery log and replay. REST API key.",
      },
      { name: "Meta", description: "This document." },
    ],
    paths: {
      "/v1/calls": {
        post: {
          tags: ["Calls"],
          operationId: "createCall",
          summary: "Create (queue or schedule) a call",
          description:
            "The body is the data of the webhook's call.create. Reserves the call's credit and queues it, or schedules it (status scheduled, schedule.due_at) when not_before is later or the recipient's local time is outside the calling hours in any of the number's time zones (SPEC §9). With an Idempotency-Key, a repeat within 24 h answers the first response and creates nothing.",
          security: [{ apiKey: [] }],
          parameters: [{ $ref: "#/components/parameters/IdempotencyKey" }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/CreateCallData" } } },
          },
          responses: {
            "201": json("Call", "The call, queued or scheduled.", {
              ...rateLimited,
              "Idempotent-Replayed": { $ref: "#/components/headers/Idempotent-Replayed" },
            }),
            "400": { $ref: "#/components/responses/BadRequest" },
            "402": error(
              "insufficient_credits: the organisation has too few credits (the body says balance and cost).",
              rateLimited,
            ),
            "409": error(
              "idempotency_key_in_flight: a request with this Idempotency-Key is still being processed; duplicate_recipient: the number already has a call within the organisation's dedupe window (error.call_id names it).",
              rateLimited,
            ),
            "413": error("body_too_large: the body is larger than 32 KiB."),
            "415": error("unsupported_media_type: send Content-Type: application/json."),
            "422": error(
              "idempotency_key_reused: this Idempotency-Key was used with a different request; recipient_opted_out: the number is on the organisation's do-not-call list; no_calling_window: no time before not_after is inside the calling hours in every time zone of the number.",
              rateLimited,
            ),
            ...restErrors,
          },
        },
        get: {
          tags: ["Calls"],
          operationId: "listCalls",
          summary: "List calls, newest first",
          description:
            "Cursor pagination: pass the previous page's next_cursor as starting_after. Pages are stable while calls are created: no call repeats or goes missing. Deleted calls are not listed.",
          security: [{ apiKey: [] }],
          parameters: [
            {
              name: "status",
              in: "query",
              required: false,
              schema: { $ref: "#/components/schemas/CallStatus" },
            },
            { name: "agent_id", in: "query", required: false, schema: { type: "string", minLength: 1, maxLength: 64 } },
            {
              name: "created_after",
              in: "query",
              required: false,
              description: "Only calls created strictly after this time (RFC 3339 with a time zone).",
              schema: { type: "string", format: "date-time" },
            },
            {
              name: "created_before",
              in: "query",
              required: false,
              description: "Only calls created strictly before this time (RFC 3339 with a time zone).",
              schema: { type: "string", format: "date-time" },
            },
            {
              name: "limit",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT },
            },
            {
              name: "starting_after",
              in: "query",
              required: false,
              description: "The next_cursor of the previous page (opaque).",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": json("CallList", "A page of calls.", rateLimited),
            "400": error(
              "unknown_parameter, invalid_parameter (limit outside 1–100, a bad date or status) or invalid_cursor.",
              rateLimited,
            ),
            ...restErrors,
          },
        },
      },
      "/v1/calls/{call_id}": {
        parameters: [{ $ref: "#/components/parameters/CallId" }],
        get: {
          tags: ["Calls"],
          operationId: "getCall",
          summary: "Read a call",
          security: [{ apiKey: [] }],
          responses: { "200": json("Call", "The call.", rateLimited), "404": callNotFound, ...restErrors },
        },
        delete: {
          tags: ["Calls"],
          operationId: "deleteCall",
          summary: "Delete a finished, connected call (erases its PII)",
          description:
            "As the webhook's call.delete: erases contact details, additional_info, transcript and recording metadata, and purges the provider's copies. Afterwards the call answers 404 everywhere.",
          security: [{ apiKey: [] }],
          parameters: [{ $ref: "#/components/parameters/IdempotencyKey" }],
          responses: {
            "200": json("DeletedCall", "The call is deleted.", rateLimited),
            "400": { $ref: "#/components/responses/BadRequest" },
            "404": callNotFound,
            "409": error(
              "call_not_deletable (the call is not finished or never connected; error.status says its status) or idempotency_key_in_flight.",
              rateLimited,
            ),
            "413": error("body_too_large."),
            "415": error("unsupported_media_type: a body, if any, must be application/json."),
            "422": error("idempotency_key_reused.", rateLimited),
            ...restErrors,
          },
        },
      },
      "/v1/calls/{call_id}/events": {
        parameters: [{ $ref: "#/components/parameters/CallId" }],
        get: {
          tags: ["Calls"],
          operationId: "listCallEvents",
          summary: "The call's event log (PII-free), oldest first",
          security: [{ apiKey: [] }],
          responses: { "200": json("CallEventList", "The events.", rateLimited), "404": callNotFound, ...restErrors },
        },
      },
      "/v1/calls/{call_id}/cancel": {
        parameters: [{ $ref: "#/components/parameters/CallId" }],
        post: {
          tags: ["Calls"],
          operationId: "cancelCall",
          summary: "Cancel a queued call",
          description: "As the webhook's call.cancel: only a scheduled or queued call (SPEC §9); its credit comes back. No body (or {}).",
          security: [{ apiKey: [] }],
          parameters: [{ $ref: "#/components/parameters/IdempotencyKey" }],
          responses: {
            "200": json("Call", "The call, canceled.", rateLimited),
            "400": { $ref: "#/components/responses/BadRequest" },
            "404": callNotFound,
            "409": error(
              "call_not_cancelable (the call is past scheduled, queued or waiting for a retry; error.status says its status) or idempotency_key_in_flight.",
              rateLimited,
            ),
            "413": error("body_too_large."),
            "415": error("unsupported_media_type: a body, if any, must be application/json."),
            "422": error("idempotency_key_reused.", rateLimited),
            ...restErrors,
          },
        },
      },
      "/v1/hooks/{token}": {
        post: {
          tags: ["Webhook"],
          operationId: "webhook",
          summary: "Inbound webhook: call.create, call.cancel, call.delete",
          description:
            'The secret token in the URL identifies the organisation. When the organisation turned signature verification on, X-Inbound-Timestamp and X-Inbound-Signature (hex HMAC-SHA256 of "{timestamp}.{raw body}") are required.',
          parameters: [
            { name: "token", in: "path", required: true, schema: { type: "string" } },
            { $ref: "#/components/parameters/IdempotencyKey" },
            { name: "X-Inbound-Timestamp", in: "header", required: false, schema: { type: "string", pattern: "^\\d+$" } },
            {
              name: "X-Inbound-Signature",
              in: "header",
              required: false,
              description: "Hex HMAC-SHA256, optionally sha256=-prefixed; several separated by commas or spaces.",
              schema: { type: "string" },
            },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/WebhookRequest" } } },
          },
          responses: {
            "200": {
              description: "call.cancel or call.delete done.",
              headers: { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" }, ...rateLimited },
              content: {
                "application/json": {
                  schema: {
                    oneOf: [{ $ref: "#/components/schemas/WebhookCanceled" }, { $ref: "#/components/schemas/WebhookDeleted" }],
                  },
                },
              },
            },
            "201": json("WebhookCreated", "call.create: queued.", rateLimited),
            "400": { $ref: "#/components/responses/BadRequest" },
            "401": error("invalid_token, missing_signature, stale_timestamp, invalid_signature or replayed_request."),
            "402": error("insufficient_credits.", rateLimited),
            "404": error("call_not_found: no such call for this organisation (or deleted).", rateLimited),
            "409": error("call_not_cancelable, call_not_deletable or idempotency_key_in_flight.", rateLimited),
            "413": error("body_too_large."),
            "415": error("unsupported_media_type."),
            "422": error("idempotency_key_reused.", rateLimited),
            "429": { $ref: "#/components/responses/TooManyRequests" },
            "503": { $ref: "#/components/responses/ServiceUnavailable" },
          },
        },
      },
      "/v1/opt-outs": {
        get: {
          tags: ["Call orders"],
          operationId: "listOptOuts",
          summary: "The organisation's do-not-call list, by number",
          security: [{ apiKey: [] }],
          parameters: [
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
            {
              name: "starting_after",
              in: "query",
              required: false,
              description: "The next_cursor of the previous page.",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": json("OptOutList", "A page of numbers.", rateLimited),
            "400": error("unknown_parameter or invalid_parameter.", rateLimited),
            ...restErrors,
          },
        },
        post: {
          tags: ["Call orders"],
          operationId: "addOptOut",
          summary: "Add a number to the do-not-call list (cancels its pending calls)",
          description:
            'Body {"number": "+14155552671"} (formatted numbers accepted, with their country code). Every scheduled or queued call of the organisation to the number, a scheduled redial included, is canceled in the same statement (credit refunded); the answer says how many. Adding a listed number again answers 200 with added: false.',
          security: [{ apiKey: [] }],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["number"],
                  additionalProperties: false,
                  properties: { number: { type: "string", maxLength: 40 } },
                },
              },
            },
          },
          responses: {
            "201": json("OptOutAdded", "Added.", rateLimited),
            "200": json("OptOutAdded", "Already listed (added: false); pending calls canceled anyway.", rateLimited),
            "400": { $ref: "#/components/responses/BadRequest" },
            ...restErrors,
          },
        },
      },
      "/v1/opt-outs/{number}": {
        parameters: [{ name: "number", in: "path", required: true, description: "E.164, + URL-encoded as %2B.", schema: { type: "string" } }],
        delete: {
          tags: ["Call orders"],
          operationId: "removeOptOut",
          summary: "Take a number off the do-not-call list",
          security: [{ apiKey: [] }],
          responses: {
            "200": json("OptOutRemoved", "Removed.", rateLimited),
            "400": { $ref: "#/components/responses/BadRequest" },
            "404": error("opt_out_not_found: the number is not listed.", rateLimited),
            ...restErrors,
          },
        },
      },
      "/v1/call-policy": {
        get: {
          tags: ["Call orders"],
          operationId: "getCallPolicy",
          summary: "The organisation's call-order policy",
          security: [{ apiKey: [] }],
          responses: { "200": json("CallPolicy", "The policy.", rateLimited), ...restErrors },
        },
        patch: {
          tags: ["Call orders"],
          operationId: "updateCallPolicy",
          summary: "Change the call-order policy (only the fields given)",
          description:
            "Calling hours and their guard (turning it off is recorded in calling_hours_guard_changed_at), max_concurrent_calls, dedupe_window_minutes, default_retry (null: never redial).",
          security: [{ apiKey: [] }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/CallPolicyChange" } } },
          },
          responses: {
            "200": json("CallPolicy", "The policy, changed.", rateLimited),
            "400": error("invalid_policy (error.field names the setting), invalid_body, unknown_field, invalid_type.", rateLimited),
            ...restErrors,
          },
        },
      },
      ...webhookEndpointPaths({ json, error, rateLimited, restErrors }),
      "/v1/openapi.json": {
        get: {
          tags: ["Meta"],
          operationId: "openapi",
          summary: "This OpenAPI 3.1 document",
          responses: {
            "200": {
              description: "The document.",
              headers: { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } },
              content: { "application/json": { schema: { type: "object" } } },
            },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description:
            "An API key (sk_…) from `pnpm admin apikey create`. Each organisation may have many; revoking one stops it on the next request while the others go on working.",
        },
      },
      schemas: {
        CreateCallData: createCallData,
        CallRefData: toOpenApiSchema(callRefSchema),
        WebhookRequest: webhookRequest,
        WebhookCreated: webhookCreatedSchema as unknown as Json,
        WebhookCanceled: webhookCanceledSchema as unknown as Json,
        WebhookDeleted: webhookDeletedSchema as unknown as Json,
        CallStatus: callStatusSchema as unknown as Json,
        Engagement: engagementSchema as unknown as Json,
        Call: callSchema as unknown as Json,
        CallList: callListSchema as unknown as Json,
        CallEvent: callEventSchema as unknown as Json,
        CallEventList: callEventListSchema as unknown as Json,
        DeletedCall: deletedCallSchema as unknown as Json,
        Error: errorSchema as unknown as Json,
        OptOut: optOutSchema as unknown as Json,
        OptOutAdded: optOutAddedSchema as unknown as Json,
        OptOutList: optOutListSchema as unknown as Json,
        OptOutRemoved: optOutRemovedSchema as unknown as Json,
        CallPolicy: callPolicySchema as unknown as Json,
        CallPolicyChange: callPolicyChangeSchema as unknown as Json,
        ...WEBHOOK_ENDPOINT_SCHEMAS,
      },
      parameters: {
        CallId: { name: "call_id", in: "path", required: true, schema: { type: "string", maxLength: 64 } },
        EndpointId: { name: "endpoint_id", in: "path", required: true, schema: { type: "string", maxLength: 64 } },
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "1–255 printable ASCII characters, e.g. a UUID. Repeats within 24 h replay the first response; the same key with a different request is 422; a repeat while the first is still running is 409.",
          schema: { type: "string", minLength: 1, maxLength: 255 },
        },
      },
      headers: {
        "X-Request-Id": { description: "The caller's X-Request-Id if sane, else a new one.", schema: { type: "string" } },
        RateLimit: { description: 'IETF RateLimit: "daily";r=<remaining>;t=<seconds to reset>.', schema: { type: "string" } },
        "RateLimit-Policy": { description: 'IETF RateLimit-Policy: "daily";q=<quota>;w=86400.', schema: { type: "string" } },
        "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "string" } },
        "Idempotent-Replayed": { description: "true when the response is a replay.", schema: { type: "string" } },
      },
      responses: {
        BadRequest: error(
          "malformed_json, invalid_body, unknown_action (webhook), missing_field, unknown_field, invalid_type, invalid_field, invalid_contact_number, invalid_contact_email, too_many_additional_info_keys, agent_not_found, invalid_idempotency_key, invalid_schedule, invalid_calling_hours or invalid_retry; error.field names the field.",
        ),
        InvalidApiKey: error(
          "invalid_api_key: the Authorization header is missing, not Bearer, or names an unknown or revoked key.",
          { "WWW-Authenticate": { description: "Bearer", schema: { type: "string" } } },
        ),
        CallNotFound: error("call_not_found: no such call for this organisation, or it was deleted.", rateLimited),
        TooManyRequests: error("daily_quota_exceeded: the organisation's daily request quota is used up (resets 00:00 UTC).", {
          ...rateLimited,
          "Retry-After": { $ref: "#/components/headers/Retry-After" },
        }),
        ServiceUnavailable: error(
          "service_unavailable: Postgres or Redis is unavailable; nothing was done. Retry after Retry-After.",
          {
            "Retry-After": { $ref: "#/components/headers/Retry-After" },
          },
        ),
      },
    },
  };
  return document as unknown as Record<string, Json>;
}
