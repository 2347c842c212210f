import { ApiError, isWebhookEventType, WEBHOOK_EVENT_TYPES } from "@inbound/contracts";
import {
  type AttemptView,
  changeEndpoint,
  type EndpointView,
  findEndpoint,
  insertEndpoint,
  insertTestMessage,
  listAttempts,
  listEndpoints,
  listMessages,
  type MessageView,
  recoverFailedMessages,
  resendMessage,
  rotateEndpointSecret,
  type SqlClient,
} from "@inbound/db";
import type { SecretBox } from "@inbound/security";
import { BlockedTargetError, checkUrl, type TargetPolicy } from "./ssrf-guard";

/**
 * The use cases of status-webhook endpoints, shared by the admin CLI and (later) the REST API
 * (`/v1/webhook-endpoints`) and the dashboard: each validates, runs one statement, and answers with the
 * same views; failures are ApiError with stable codes. `orgId` scopes a caller to its organisation (REST,
 * dashboard): another organisation's endpoint or message answers exactly like a missing one (404). The
 * admin CLI passes no orgId for ids it is given directly.
 */
export interface EndpointUseCaseContext {
  sql: SqlClient;
  box: SecretBox;
  policy: TargetPolicy;
}

const MAX_URL_LENGTH = 2048;

function validUrl(url: string, policy: TargetPolicy): string {
  if (url.length > MAX_URL_LENGTH) throw new ApiError("invalid_url", `url must be at most ${MAX_URL_LENGTH} characters`, "url");
  try {
    return checkUrl(url, policy).toString();
  } catch (error) {
    if (error instanceof BlockedTargetError) throw new ApiError("invalid_url", error.message, "url");
    throw error;
  }
}

function validEventTypes(types: readonly string[]): string[] {
  const unique = [...new Set(types.map((t) => t.trim()).filter((t) => t !== ""))];
  const unknown = unique.filter((t) => !isWebhookEventType(t));
  if (unknown.length > 0) {
    throw new ApiError("invalid_event_type", `unknown event type(s) ${unknown.join(", ")}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`, "event_types");
  }
  return unique;
}

const endpointNotFound = (id: string) => new ApiError("endpoint_not_found", `webhook endpoint ${id} not found`, "endpoint_id");

/** Registers an endpoint; its signing secret is in the answer and never again. */
export async function createEndpoint(
  ctx: EndpointUseCaseContext,
  input: { orgId: string; url: string; eventTypes?: readonly string[]; description?: string },
): Promise<EndpointView & { secret: string }> {
  const url = validUrl(input.url, ctx.policy);
  const created = await insertEndpoint(ctx.sql, ctx.box, {
    orgId: input.orgId,
    url,
    eventTypes: validEventTypes(input.eventTypes ?? []),
    description: input.description ?? null,
  });
  if (!created) throw new ApiError("organization_not_found", `organization ${input.orgId} not found`, "org_id");
  return { ...created.endpoint, secret: created.secret };
}

export async function getEndpoints(ctx: EndpointUseCaseContext, input: { orgId: string }): Promise<EndpointView[]> {
  return listEndpoints(ctx.sql, input.orgId);
}

export async function getEndpoint(ctx: EndpointUseCaseContext, input: { endpointId: string; orgId?: string }): Promise<EndpointView> {
  return (await findEndpoint(ctx.sql, input)) ?? Promise.reject(endpointNotFound(input.endpointId));
}

/** Changes url, event types, description, or enables/disables (enabling clears the disabled reason). */
export async function updateEndpoint(
  ctx: EndpointUseCaseContext,
  input: { endpointId: string; orgId?: string; url?: string; eventTypes?: readonly string[]; description?: string; enabled?: boolean },
): Promise<EndpointView> {
  const changed = await changeEndpoint(ctx.sql, {
    endpointId: input.endpointId,
    orgId: input.orgId,
    url: input.url === undefined ? undefined : validUrl(input.url, ctx.policy),
    eventTypes: input.eventTypes === undefined ? undefined : validEventTypes(input.eventTypes),
    description: input.description,
    enabled: input.enabled,
  });
  return changed ?? Promise.reject(endpointNotFound(input.endpointId));
}

/** Disables an endpoint (reason `manual`); its pending messages fail now and can be recovered later. */
export async function disableEndpoint(ctx: EndpointUseCaseContext, input: { endpointId: string; orgId?: string }): Promise<EndpointView> {
  return updateEndpoint(ctx, { ...input, enabled: false });
}

/** A new secret (shown once); the previous ones keep signing for graceMinutes (several signatures meanwhile). */
export async function rotateSecret(
  ctx: EndpointUseCaseContext,
  input: { endpointId: string; orgId?: string; graceMinutes: number },
): Promise<{ endpoint_id: string; secret: string; previous_valid_until: string | null }> {
  const rotated = await rotateEndpointSecret(ctx.sql, ctx.box, { ...input, graceMs: input.graceMinutes * 60_000 });
  if (!rotated) throw endpointNotFound(input.endpointId);
  return { endpoint_id: input.endpointId, ...rotated };
}

/** Queues a `webhook.test` event to the endpoint (delivered like any other, and logged). */
export async function sendTestEvent(
  ctx: EndpointUseCaseContext,
  input: { endpointId: string; orgId?: string },
): Promise<{ endpoint_id: string; message_id: string; event_id: string }> {
  const sent = await insertTestMessage(ctx.sql, input);
  if (!sent) throw endpointNotFound(input.endpointId);
  return { endpoint_id: input.endpointId, ...sent };
}

/** The delivery log of an endpoint (every attempt, newest first) and its latest messages. */
export async function deliveryLog(
  ctx: EndpointUseCaseContext,
  input: { endpointId: string; orgId?: string; since?: Date; limit?: number; status?: "pending" | "delivered" | "failed" },
): Promise<{ endpoint_id: string; attempts: AttemptView[]; messages: MessageView[] }> {
  await getEndpoint(ctx, input);
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 1000);
  const [attempts, messages] = await Promise.all([
    listAttempts(ctx.sql, { endpointId: input.endpointId, orgId: input.orgId, since: input.since, limit }),
    listMessages(ctx.sql, { endpointId: input.endpointId, orgId: input.orgId, status: input.status, limit }),
  ]);
  return { endpoint_id: input.endpointId, attempts, messages };
}

/** Sends one message again now (same webhook-id: receivers dedupe). */
export async function resend(ctx: EndpointUseCaseContext, input: { messageId: string; orgId?: string }) {
  const resent = await resendMessage(ctx.sql, input);
  if (!resent) throw new ApiError("message_not_found", `webhook message ${input.messageId} not found`, "message_id");
  return resent;
}

/** Every failed message of the endpoint created since `since` is sent again. */
export async function recoverFailed(
  ctx: EndpointUseCaseContext,
  input: { endpointId: string; orgId?: string; since: Date },
): Promise<{ endpoint_id: string; recovered: number }> {
  const recovered = await recoverFailedMessages(ctx.sql, input);
  if (!recovered) throw endpointNotFound(input.endpointId);
  return { endpoint_id: input.endpointId, recovered: recovered.recovered };
}
