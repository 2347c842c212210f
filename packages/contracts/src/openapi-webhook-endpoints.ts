import { WEBHOOK_EVENT_TYPES } from "./webhook-events";

/**
 * The status-webhook part of the OpenAPI document (SPEC §6): `/v1/webhook-endpoints*` and
 * `/v1/webhook-messages/{message_id}/resend`, with the schemas of what they take and answer (the views of
 * @inbound/db's webhooks/endpoints.ts, as the routes in services/ingress/src/rest/webhook-endpoint-routes.ts
 * send them). buildOpenApiDocument merges these into its paths and components.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const timestamp = { type: "string", format: "date-time" } as const;
const nullableTimestamp = { type: ["string", "null"], format: "date-time" } as const;

const eventTypes = {
  type: "array",
  items: { type: "string", enum: [...WEBHOOK_EVENT_TYPES] },
  description: "The event types sent to this endpoint; empty = every event type.",
} as const;

const endpointProperties = {
  id: { type: "string", pattern: "^we_" },
  org_id: { type: "string" },
  url: {
    type: "string",
    format: "uri",
    description: "https (http and loopback only with WEBHOOK_ALLOW_INSECURE, in development).",
  },
  description: { type: ["string", "null"] },
  event_types: eventTypes,
  enabled: { type: "boolean" },
  disabled_reason: {
    type: ["string", "null"],
    description: "Why it is disabled: gone (it answered 410), failing (every attempt failed for 5 days) or manual.",
  },
  disabled_at: nullableTimestamp,
  failing_since: { ...nullableTimestamp, description: "Since when every attempt failed; null after a success." },
  created_at: timestamp,
} as const;

const endpointRequired = Object.keys(endpointProperties);

export const webhookEndpointSchema = {
  type: "object",
  description: "A status-webhook endpoint. Its signing secret is only ever in the answer that creates or rotates it.",
  required: endpointRequired,
  additionalProperties: false,
  properties: endpointProperties,
} as const;

export const createdWebhookEndpointSchema = {
  type: "object",
  description: "The endpoint, with its signing secret: shown this once, keep it.",
  required: [...endpointRequired, "secret"],
  additionalProperties: false,
  properties: { ...endpointProperties, secret: { type: "string", pattern: "^whsec_" } },
} as const;

export const webhookEndpointListSchema = {
  type: "object",
  required: ["data"],
  additionalProperties: false,
  properties: { data: { type: "array", items: { $ref: "#/components/schemas/WebhookEndpoint" } } },
} as const;

export const createWebhookEndpointRequestSchema = {
  type: "object",
  required: ["url"],
  additionalProperties: false,
  properties: {
    url: { type: "string", maxLength: 2048 },
    event_types: eventTypes,
    description: { type: "string" },
  },
} as const;

export const updateWebhookEndpointRequestSchema = {
  type: "object",
  description: "Only the fields given change. enabled: true enables it again (and clears disabled_reason).",
  additionalProperties: false,
  properties: {
    url: { type: "string", maxLength: 2048 },
    event_types: eventTypes,
    description: { type: "string" },
    enabled: { type: "boolean" },
  },
} as const;

export const rotateSecretRequestSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    grace_minutes: {
      type: "integer",
      minimum: 0,
      default: 0,
      description: "The previous secret keeps signing (beside the new one) for this many minutes.",
    },
  },
} as const;

export const rotatedSecretSchema = {
  type: "object",
  required: ["endpoint_id", "secret", "previous_valid_until"],
  additionalProperties: false,
  properties: {
    endpoint_id: { type: "string" },
    secret: { type: "string", pattern: "^whsec_", description: "The new secret: shown this once." },
    previous_valid_until: nullableTimestamp,
  },
} as const;

export const queuedTestEventSchema = {
  type: "object",
  required: ["endpoint_id", "message_id", "event_id"],
  additionalProperties: false,
  properties: { endpoint_id: { type: "string" }, message_id: { type: "string" }, event_id: { type: "string" } },
} as const;

export const webhookAttemptSchema = {
  type: "object",
  description: "One delivery attempt (no request or response body is kept).",
  required: [
    "at",
    "message_id",
    "endpoint_id",
    "event_id",
    "event_type",
    "attempt",
    "succeeded",
    "status_code",
    "latency_ms",
    "error",
  ],
  additionalProperties: false,
  properties: {
    at: timestamp,
    message_id: { type: "string" },
    endpoint_id: { type: "string" },
    event_id: { type: "string", description: "The webhook-id header of the delivery." },
    event_type: { type: "string" },
    attempt: { type: "integer", minimum: 1 },
    succeeded: { type: "boolean" },
    status_code: { type: ["integer", "null"], description: "null when no answer came (timeout, connection refused…)." },
    latency_ms: { type: "integer", minimum: 0 },
    error: {
      type: ["string", "null"],
      description:
        "http_status, timeout, connection_refused, connection_reset, dns_failed, blocked_address, tls_error…; null on success.",
    },
  },
} as const;

export const webhookMessageSchema = {
  type: "object",
  description: "One event for one endpoint, with its delivery state.",
  required: [
    "id",
    "event_id",
    "endpoint_id",
    "event_type",
    "call_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_status_code",
    "last_error",
    "created_at",
    "delivered_at",
  ],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^msg_" },
    event_id: { type: "string" },
    endpoint_id: { type: "string" },
    event_type: { type: "string" },
    call_id: { type: ["string", "null"] },
    status: { type: "string", enum: ["pending", "delivered", "failed"] },
    attempts: { type: "integer", minimum: 0 },
    next_attempt_at: { ...nullableTimestamp, description: "When pending: the next attempt's time." },
    last_status_code: { type: ["integer", "null"] },
    last_error: { type: ["string", "null"] },
    created_at: timestamp,
    delivered_at: nullableTimestamp,
  },
} as const;

export const deliveryLogSchema = {
  type: "object",
  required: ["endpoint_id", "attempts", "messages"],
  additionalProperties: false,
  properties: {
    endpoint_id: { type: "string" },
    attempts: { type: "array", items: { $ref: "#/components/schemas/WebhookAttempt" }, description: "Newest first." },
    messages: { type: "array", items: { $ref: "#/components/schemas/WebhookMessage" }, description: "Newest first." },
  },
} as const;

export const recoverRequestSchema = {
  type: "object",
  required: ["since"],
  additionalProperties: false,
  properties: { since: { ...timestamp, description: "Every failed message created at or after this time is sent again." } },
} as const;

export const recoveredSchema = {
  type: "object",
  required: ["endpoint_id", "recovered"],
  additionalProperties: false,
  properties: { endpoint_id: { type: "string" }, recovered: { type: "integer", minimum: 0 } },
} as const;

export const resentMessageSchema = {
  type: "object",
  required: ["message_id", "status"],
  additionalProperties: false,
  properties: { message_id: { type: "string" }, status: { const: "pending" } },
} as const;

/** The components/schemas entries the paths below refer to. */
export const WEBHOOK_ENDPOINT_SCHEMAS: Record<string, Json> = {
  WebhookEndpoint: webhookEndpointSchema as unknown as Json,
  CreatedWebhookEndpoint: createdWebhookEndpointSchema as unknown as Json,
  WebhookEndpointList: webhookEndpointListSchema as unknown as Json,
  CreateWebhookEndpoint: createWebhookEndpointRequestSchema as unknown as Json,
  UpdateWebhookEndpoint: updateWebhookEndpointRequestSchema as unknown as Json,
  RotateSecretRequest: rotateSecretRequestSchema as unknown as Json,
  RotatedSecret: rotatedSecretSchema as unknown as Json,
  QueuedTestEvent: queuedTestEventSchema as unknown as Json,
  WebhookAttempt: webhookAttemptSchema as unknown as Json,
  WebhookMessage: webhookMessageSchema as unknown as Json,
  DeliveryLog: deliveryLogSchema as unknown as Json,
  RecoverRequest: recoverRequestSchema as unknown as Json,
  Recovered: recoveredSchema as unknown as Json,
  ResentMessage: resentMessageSchema as unknown as Json,
};

/** Builders shared with openapi.ts (responses with the X-Request-Id and RateLimit headers, errors). */
export interface OpenApiParts {
  json(schemaRef: string, description: string, headers?: Record<string, Json>): Json;
  error(description: string, headers?: Record<string, Json>): Json;
  rateLimited: Record<string, Json>;
  restErrors: Record<string, Json>;
}

const body = (schemaRef: string, required = true): Json => ({
  required,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${schemaRef}` } } },
});

/** The paths of `/v1/webhook-endpoints*` and `/v1/webhook-messages/{message_id}/resend`. */
export function webhookEndpointPaths(parts: OpenApiParts): Record<string, Json> {
  const { json, error, rateLimited, restErrors } = parts;
  const tags = ["Status webhooks"];
  const security = [{ apiKey: [] }];
  const endpointNotFound = error("endpoint_not_found: no such endpoint for this organisation.", rateLimited);
  const bodyErrors = (what: string) =>
    error(
      `malformed_json, invalid_body, unknown_field, invalid_type or missing_field${what}; error.field names the field.`,
      rateLimited,
    );
  const tooLarge = error("body_too_large: the body is larger than 32 KiB.");
  const mediaType = error("unsupported_media_type: send Content-Type: application/json.");
  const endpointParameter = { $ref: "#/components/parameters/EndpointId" };
  return {
    "/v1/webhook-endpoints": {
      post: {
        tags,
        operationId: "createWebhookEndpoint",
        summary: "Add a status-webhook endpoint",
        description: "Its signing secret (whsec_…) is in this answer and never again.",
        security,
        requestBody: body("CreateWebhookEndpoint"),
        responses: {
          "201": json("CreatedWebhookEndpoint", "The endpoint, with its signing secret.", rateLimited),
          "400": bodyErrors(", invalid_url (not https, or a private or loopback address) or invalid_event_type"),
          "413": tooLarge,
          "415": mediaType,
          ...restErrors,
        },
      },
      get: {
        tags,
        operationId: "listWebhookEndpoints",
        summary: "The organisation's status-webhook endpoints",
        security,
        responses: { "200": json("WebhookEndpointList", "The endpoints (no secrets).", rateLimited), ...restErrors },
      },
    },
    "/v1/webhook-endpoints/{endpoint_id}": {
      parameters: [endpointParameter],
      get: {
        tags,
        operationId: "getWebhookEndpoint",
        summary: "Read an endpoint",
        security,
        responses: { "200": json("WebhookEndpoint", "The endpoint.", rateLimited), "404": endpointNotFound, ...restErrors },
      },
      patch: {
        tags,
        operationId: "updateWebhookEndpoint",
        summary: "Change an endpoint's url, event types, description, or enable / disable it",
        description: "Disabling fails its pending messages (recover them later); enabling clears disabled_reason.",
        security,
        requestBody: body("UpdateWebhookEndpoint"),
        responses: {
          "200": json("WebhookEndpoint", "The endpoint, changed.", rateLimited),
          "400": bodyErrors(", invalid_url or invalid_event_type"),
          "404": endpointNotFound,
          "413": tooLarge,
          "415": mediaType,
          ...restErrors,
        },
      },
    },
    "/v1/webhook-endpoints/{endpoint_id}/disable": {
      parameters: [endpointParameter],
      post: {
        tags,
        operationId: "disableWebhookEndpoint",
        summary: "Disable an endpoint (reason manual)",
        description: 'No body (or {}). Its pending messages fail; enable it again with PATCH {"enabled": true}.',
        security,
        responses: {
          "200": json("WebhookEndpoint", "The endpoint, disabled.", rateLimited),
          "400": bodyErrors(""),
          "404": endpointNotFound,
          "413": tooLarge,
          ...restErrors,
        },
      },
    },
    "/v1/webhook-endpoints/{endpoint_id}/rotate-secret": {
      parameters: [endpointParameter],
      post: {
        tags,
        operationId: "rotateWebhookEndpointSecret",
        summary: "Rotate the signing secret",
        description:
          "A new secret, shown once. During grace_minutes the previous one keeps signing too: webhook-signature then carries both signatures.",
        security,
        requestBody: body("RotateSecretRequest", false),
        responses: {
          "200": json("RotatedSecret", "The new secret.", rateLimited),
          "400": bodyErrors(""),
          "404": endpointNotFound,
          "413": tooLarge,
          ...restErrors,
        },
      },
    },
    "/v1/webhook-endpoints/{endpoint_id}/test": {
      parameters: [endpointParameter],
      post: {
        tags,
        operationId: "testWebhookEndpoint",
        summary: "Send a webhook.test event",
        description: "No body (or {}). Delivered like any event (signed, retried, logged) while the endpoint is enabled.",
        security,
        responses: {
          "202": json("QueuedTestEvent", "The test event is queued.", rateLimited),
          "400": bodyErrors(""),
          "404": endpointNotFound,
          "413": tooLarge,
          ...restErrors,
        },
      },
    },
    "/v1/webhook-endpoints/{endpoint_id}/attempts": {
      parameters: [endpointParameter],
      get: {
        tags,
        operationId: "listWebhookAttempts",
        summary: "The delivery log: every attempt, and the endpoint's messages",
        security,
        parameters: [
          { name: "since", in: "query", required: false, description: "Only attempts at or after this time.", schema: timestamp },
          {
            name: "status",
            in: "query",
            required: false,
            description: "Only messages of this status.",
            schema: { type: "string", enum: ["pending", "delivered", "failed"] },
          },
          { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 1000, default: 50 } },
        ],
        responses: {
          "200": json("DeliveryLog", "Attempts and messages, newest first.", rateLimited),
          "400": error("unknown_parameter or invalid_parameter (since, status or limit).", rateLimited),
          "404": endpointNotFound,
          ...restErrors,
        },
      },
    },
    "/v1/webhook-endpoints/{endpoint_id}/recover": {
      parameters: [endpointParameter],
      post: {
        tags,
        operationId: "recoverWebhookMessages",
        summary: "Send every failed message since a time again",
        security,
        requestBody: body("RecoverRequest"),
        responses: {
          "200": json("Recovered", "How many failed messages are pending again.", rateLimited),
          "400": bodyErrors(" or invalid_parameter (since is not an RFC 3339 time)"),
          "404": endpointNotFound,
          "413": tooLarge,
          "415": mediaType,
          ...restErrors,
        },
      },
    },
    "/v1/webhook-messages/{message_id}/resend": {
      parameters: [{ name: "message_id", in: "path", required: true, schema: { type: "string", maxLength: 64 } }],
      post: {
        tags,
        operationId: "resendWebhookMessage",
        summary: "Send one message again now (the same webhook-id: receivers dedupe)",
        description: "No body (or {}).",
        security,
        responses: {
          "202": json("ResentMessage", "The message is pending again.", rateLimited),
          "400": bodyErrors(""),
          "404": error("message_not_found: no such message for this organisation.", rateLimited),
          "413": tooLarge,
          ...restErrors,
        },
      },
    },
  };
}
