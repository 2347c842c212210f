import { ApiError } from "@inbound/contracts";
import { SecretBox } from "@inbound/security";
import {
  createEndpoint,
  deliveryLog,
  disableEndpoint,
  type EndpointUseCaseContext,
  getEndpoint,
  getEndpoints,
  recoverFailed,
  resend,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from "@inbound/webhooks";
import type { Express, Request, RequestHandler, Response } from "express";
import type { IngressDeps } from "../deps";
import { requestContext } from "../http/context";
import { methodNotAllowed } from "../http/errors";
import { parseJson } from "../pipeline/parse-body";
import { rawBodyOf, readRawBody, requireJson } from "../pipeline/read-body";

export const WEBHOOK_ENDPOINT_ROUTES = {
  endpoints: "/v1/webhook-endpoints",
  endpoint: "/v1/webhook-endpoints/:endpoint_id",
  disable: "/v1/webhook-endpoints/:endpoint_id/disable",
  rotateSecret: "/v1/webhook-endpoints/:endpoint_id/rotate-secret",
  test: "/v1/webhook-endpoints/:endpoint_id/test",
  attempts: "/v1/webhook-endpoints/:endpoint_id/attempts",
  recover: "/v1/webhook-endpoints/:endpoint_id/recover",
  resend: "/v1/webhook-messages/:message_id/resend",
} as const;

type Body = Record<string, unknown>;

/** A JSON object body with only the given fields, each of the given kind; errors name the field. */
function readBody(req: Request, fields: Record<string, "string" | "string[]" | "boolean" | "integer">, required: string[] = []): Body {
  const raw = rawBodyOf(req);
  const value = raw.length === 0 ? {} : parseJson(raw, "{}");
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ApiError("invalid_body", "The body must be a JSON object.");
  const body = value as Body;
  for (const [name, field] of Object.entries(body)) {
    const kind = fields[name];
    if (!kind) throw new ApiError("unknown_field", `${name.slice(0, 64)} is not a known field.`, name.slice(0, 64));
    const ok =
      kind === "string"
        ? typeof field === "string"
        : kind === "boolean"
          ? typeof field === "boolean"
          : kind === "integer"
            ? Number.isInteger(field) && (field as number) >= 0
            : Array.isArray(field) && field.every((v) => typeof v === "string");
    if (!ok) throw new ApiError("invalid_type", `${name} must be ${kind === "string[]" ? "an array of strings" : `a${kind === "integer" ? " non-negative" : ""} ${kind}`}.`, name);
  }
  for (const name of required) if (body[name] === undefined) throw new ApiError("missing_field", `${name} is required.`, name);
  return body;
}

function sinceOf(value: unknown, field: string): Date {
  const since = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(since.getTime())) throw new ApiError("invalid_parameter", `${field} must be an RFC 3339 time, e.g. 2026-11-30T00:00:00Z.`, field);
  return since;
}

/**
 * `/v1/webhook-endpoints` (SPEC §6): the status-webhook endpoints of the API key's organisation, through the
 * same use cases as the admin CLI and the dashboard (@inbound/webhooks). Another organisation's endpoint or
 * message answers exactly like a missing one (404).
 */
export function mountWebhookEndpointRoutes(
  app: Express,
  deps: IngressDeps,
  authenticate: (action: string) => RequestHandler,
): void {
  const { config } = deps;
  const ctx: EndpointUseCaseContext = {
    sql: deps.db.pool,
    box: new SecretBox(config.SECRETS_KEY),
    policy: { allowInsecure: config.WEBHOOK_ALLOW_INSECURE },
  };
  const limit = config.BODY_LIMIT_BYTES;
  const orgOf = (res: Response) => requestContext(res).orgId as string;
  const endpointId = (req: Request) => String(req.params.endpoint_id ?? "");
  const R = WEBHOOK_ENDPOINT_ROUTES;

  app.post(R.endpoints, authenticate("endpoint.create"), requireJson, readRawBody(limit), async (req, res) => {
    const body = readBody(req, { url: "string", event_types: "string[]", description: "string" }, ["url"]);
    const created = await createEndpoint(ctx, {
      orgId: orgOf(res),
      url: body.url as string,
      eventTypes: body.event_types as string[] | undefined,
      description: body.description as string | undefined,
    });
    res.status(201).json(created);
  });
  app.get(R.endpoints, authenticate("endpoint.list"), async (_req, res) => {
    res.json({ data: await getEndpoints(ctx, { orgId: orgOf(res) }) });
  });
  app.all(R.endpoints, methodNotAllowed("GET, POST"));

  app.get(R.endpoint, authenticate("endpoint.read"), async (req, res) => {
    res.json(await getEndpoint(ctx, { endpointId: endpointId(req), orgId: orgOf(res) }));
  });
  app.patch(R.endpoint, authenticate("endpoint.update"), requireJson, readRawBody(limit), async (req, res) => {
    const body = readBody(req, { url: "string", event_types: "string[]", description: "string", enabled: "boolean" });
    const updated = await updateEndpoint(ctx, {
      endpointId: endpointId(req),
      orgId: orgOf(res),
      url: body.url as string | undefined,
      eventTypes: body.event_types as string[] | undefined,
      description: body.description as string | undefined,
      enabled: body.enabled as boolean | undefined,
    });
    res.json(updated);
  });
  app.all(R.endpoint, methodNotAllowed("GET, PATCH"));

  app.post(R.disable, authenticate("endpoint.disable"), readRawBody(limit), async (req, res) => {
    readBody(req, {});
    res.json(await disableEndpoint(ctx, { endpointId: endpointId(req), orgId: orgOf(res) }));
  });
  app.post(R.rotateSecret, authenticate("endpoint.rotate_secret"), readRawBody(limit), async (req, res) => {
    const body = readBody(req, { grace_minutes: "integer" });
    const rotated = await rotateSecret(ctx, {
      endpointId: endpointId(req),
      orgId: orgOf(res),
      graceMinutes: (body.grace_minutes as number | undefined) ?? 0,
    });
    res.json(rotated);
  });
  app.post(R.test, authenticate("endpoint.test"), readRawBody(limit), async (req, res) => {
    readBody(req, {});
    res.status(202).json(await sendTestEvent(ctx, { endpointId: endpointId(req), orgId: orgOf(res) }));
  });
  app.get(R.attempts, authenticate("endpoint.attempts"), async (req, res) => {
    const query = req.query as Record<string, unknown>;
    for (const name of Object.keys(query)) {
      if (!["since", "status", "limit"].includes(name)) throw new ApiError("unknown_parameter", `${name.slice(0, 64)} is not a known parameter.`, name.slice(0, 64));
    }
    const status = query.status as string | undefined;
    if (status !== undefined && !["pending", "delivered", "failed"].includes(status)) {
      throw new ApiError("invalid_parameter", "status must be pending, delivered or failed.", "status");
    }
    const limitValue = query.limit === undefined ? undefined : Number(query.limit);
    if (limitValue !== undefined && !(Number.isInteger(limitValue) && limitValue >= 1 && limitValue <= 1000)) {
      throw new ApiError("invalid_parameter", "limit must be an integer from 1 to 1000.", "limit");
    }
    const log = await deliveryLog(ctx, {
      endpointId: endpointId(req),
      orgId: orgOf(res),
      since: query.since === undefined ? undefined : sinceOf(query.since, "since"),
      status: status as "pending" | "delivered" | "failed" | undefined,
      limit: limitValue,
    });
    res.json(log);
  });
  app.post(R.recover, authenticate("endpoint.recover"), requireJson, readRawBody(limit), async (req, res) => {
    const body = readBody(req, { since: "string" }, ["since"]);
    res.json(await recoverFailed(ctx, { endpointId: endpointId(req), orgId: orgOf(res), since: sinceOf(body.since, "since") }));
  });
  app.post(R.resend, authenticate("message.resend"), readRawBody(limit), async (req, res) => {
    readBody(req, {});
    res.status(202).json(await resend(ctx, { messageId: String(req.params.message_id ?? ""), orgId: orgOf(res) }));
  });
  for (const path of [R.disable, R.rotateSecret, R.test, R.recover, R.resend]) app.all(path, methodNotAllowed("POST"));
  app.all(R.attempts, methodNotAllowed("GET"));
}
