import { type Action, ApiError, buildOpenApiDocument, createCallDataValidator } from "@inbound/contracts";
import { createBatcher, listCalls, readCallEvents, readCalls } from "@inbound/db";
import { UnknownTokens } from "../pipeline/unknown-tokens";
import { SecretBox } from "@inbound/security";
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import type { IngressDeps } from "../deps";
import { requestContext } from "../http/context";
import { methodNotAllowed } from "../http/errors";
import type { IngressMetrics } from "../metrics";
import { createApiKeyAuthenticator } from "../pipeline/api-key-auth";
import { applyQuota } from "../pipeline/apply-quota";
import { readIdempotencyKey, requestHash } from "../pipeline/idempotency-key";
import { assertStorable, parseJson } from "../pipeline/parse-body";
import { isJsonContentType, rawBodyOf, readRawBody, requireJson } from "../pipeline/read-body";
import { callNotFound } from "@inbound/calls";
import { type ActionRunner, INGRESS_BATCHING } from "../use-cases/run-action";
import { mountApiReference } from "./docs";
import { mountOrderRoutes } from "./order-routes";
import { mountWebhookEndpointRoutes } from "./webhook-endpoint-routes";
import { presentCall, presentEvent, REST_TRANSPORT } from "./present";
import { encodeCursor, isCallId, parseListQuery } from "./query";

export const REST_ROUTES = {
  calls: "/v1/calls",
  call: "/v1/calls/:call_id",
  events: "/v1/calls/:call_id/events",
  cancel: "/v1/calls/:call_id/cancel",
  openapi: "/v1/openapi.json",
} as const;

/**
 * The REST API of SPEC §5, on the same pipeline as the webhook: API key → organisation and daily quota (one
 * Redis call), the same validators, the same use cases through the same runner (credits, idempotency,
 * 404 for another organisation's call), the same error shape. Only the presentation differs (present.ts).
 */
export function mountRestApi(
  app: Express,
  deps: Required<Pick<IngressDeps, "clock">> & IngressDeps,
  metrics: IngressMetrics,
  runner: ActionRunner,
): void {
  const { config, db } = deps;
  const sql = db.pool;
  const limit = config.BODY_LIMIT_BYTES;
  const validateCreate = createCallDataValidator();
  const authenticateApiKey = createApiKeyAuthenticator({
    sql,
    redis: deps.redis,
    box: new SecretBox(config.SECRETS_KEY),
    logger: deps.logger,
    redisPrefix: config.REDIS_PREFIX,
    toleranceSeconds: config.SIGNATURE_TOLERANCE_SECONDS,
    clock: deps.clock,
    cacheMaxEntries: config.TOKEN_CACHE_MAX_ENTRIES,
    cacheTtlMs: config.TOKEN_CACHE_TTL_SECONDS * 1000,
    unknownKeys: new UnknownTokens(config.TOKEN_NEGATIVE_CACHE_MAX_ENTRIES, config.TOKEN_NEGATIVE_CACHE_TTL_SECONDS * 1000),
    onCache: (result) => metrics.apiKeyCache[result].inc(),
  });
  // Reads by id of concurrent requests share one statement (one round trip, one plan), like the creates.
  const readCall = createBatcher((items: { orgId: string; callId: string }[]) => readCalls(sql, items), INGRESS_BATCHING);
  const openapi = JSON.stringify(buildOpenApiDocument({ serverUrl: config.PUBLIC_BASE_URL }));

  /** First stage of every REST route: the API key, then the quota (RateLimit fields, 429). */
  const authenticate = (action: string): RequestHandler =>
    async function restAuth(req: Request, res: Response, next: NextFunction): Promise<void> {
      const ctx = requestContext(res);
      ctx.action = action;
      const { org, quota } = await authenticateApiKey(req.headers.authorization);
      ctx.orgId = org.orgId;
      applyQuota(res, quota, metrics);
      next();
    };

  /** The path's call_id: one that cannot name a call answers like an unknown one. */
  const callIdOf = (req: Request): string => {
    const id = String(req.params.call_id ?? "");
    if (!isCallId(id)) throw callNotFound("call_id");
    return id;
  };

  /** Runs a use case for this request (Idempotency-Key included), as the webhook does. */
  const execute = async (req: Request, res: Response, action: Action, data: unknown, raw: Buffer) => {
    const ctx = requestContext(res);
    const key = readIdempotencyKey(req.headers["idempotency-key"]);
    // The same key on another route (or the webhook) is another request: 422, not a replay.
    const hash = requestHash(Buffer.concat([Buffer.from(`${req.method} ${req.route.path}\n${req.params.call_id ?? ""}\n`), raw]));
    const result = await runner.execute(
      { orgId: ctx.orgId as string, requestId: ctx.requestId, idempotencyKey: key, transport: REST_TRANSPORT },
      action,
      data,
      hash,
      res,
    );
    res.status(result.status).json(result.body);
  };

  app.post(REST_ROUTES.calls, authenticate("call.create"), requireJson, readRawBody(limit), async (req, res) => {
    const raw = rawBodyOf(req);
    const data = validateCreate(parseJson(raw, '{"agent_id": "…", "contact_number": "…"}'));
    assertStorable(data, "");
    await execute(req, res, "call.create", data, raw);
  });

  app.get(REST_ROUTES.calls, authenticate("call.list"), async (req, res) => {
    const ctx = requestContext(res);
    const query = parseListQuery(ctx.orgId as string, req.query as Record<string, unknown>);
    const page = await listCalls(sql, query);
    const last = page.calls.at(-1);
    res.json({
      data: page.calls.map(presentCall),
      has_more: page.hasMore,
      next_cursor: page.hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    });
  });
  app.all(REST_ROUTES.calls, methodNotAllowed("GET, POST"));

  app.get(REST_ROUTES.call, authenticate("call.read"), async (req, res) => {
    const call = await readCall({ orgId: requestContext(res).orgId as string, callId: callIdOf(req) });
    if (!call) throw callNotFound("call_id");
    res.json(presentCall(call));
  });
  app.delete(REST_ROUTES.call, authenticate("call.delete"), readRawBody(limit), async (req, res) => {
    const callId = callIdOf(req);
    await execute(req, res, "call.delete", { call_id: callId }, emptyBody(req));
  });
  app.all(REST_ROUTES.call, methodNotAllowed("GET, DELETE"));

  app.get(REST_ROUTES.events, authenticate("call.events"), async (req, res) => {
    const events = await readCallEvents(sql, requestContext(res).orgId as string, callIdOf(req));
    if (!events) throw callNotFound("call_id");
    res.json({ data: events.map(presentEvent) });
  });
  app.all(REST_ROUTES.events, methodNotAllowed("GET"));

  app.post(REST_ROUTES.cancel, authenticate("call.cancel"), readRawBody(limit), async (req, res) => {
    const callId = callIdOf(req);
    await execute(req, res, "call.cancel", { call_id: callId }, emptyBody(req));
  });
  app.all(REST_ROUTES.cancel, methodNotAllowed("POST"));

  app.get(REST_ROUTES.openapi, (_req, res) => {
    res.type("application/json").send(openapi);
  });
  app.all(REST_ROUTES.openapi, methodNotAllowed("GET, HEAD"));
  mountWebhookEndpointRoutes(app, deps, authenticate);
  mountOrderRoutes(app, deps, authenticate, runner.deps.policies);
  mountApiReference(app);
}

/**
 * Cancel and delete take no body: nothing, or an empty JSON object (what some HTTP clients always send).
 * Returns the raw bytes (part of the Idempotency-Key's request).
 */
function emptyBody(req: Request): Buffer {
  const raw = rawBodyOf(req);
  if (raw.length === 0) return raw;
  if (!isJsonContentType(req.headers["content-type"])) {
    throw new ApiError("unsupported_media_type", "This endpoint takes no body; if you send one, send {} as application/json.");
  }
  const value = parseJson(raw, "no body, or {}");
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError("invalid_body", "This endpoint takes no body; send nothing or {}.");
  }
  const [first] = Object.keys(value);
  if (first !== undefined) {
    throw new ApiError(
      "unknown_field",
      `${first.slice(0, 64)} is not a known field; this endpoint takes no body.`,
      first.slice(0, 64),
    );
  }
  return raw;
}
