import { createWebhookValidator } from "@inbound/contracts";
import { createBatcher, findWebhookOrgs } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { IngressDeps } from "../deps";
import { requestContext } from "../http/context";
import { toApiError } from "../http/errors";
import type { IngressMetrics } from "../metrics";
import { applyQuota } from "../pipeline/apply-quota";
import { createAuthenticator, headerValue, type Identified, refusedOrgOf } from "../pipeline/authenticate";
import { readIdempotencyKey, requestHash } from "../pipeline/idempotency-key";
import { OrgCache } from "../pipeline/org-cache";
import { parseWebhookBody } from "../pipeline/parse-body";
import { rawBodyOf, readRawBody } from "../pipeline/read-body";
import { UnknownTokens } from "../pipeline/unknown-tokens";
import type { ActionContext } from "../use-cases/action";
import { OutcomeUnknownError } from "../use-cases/create-call";
import { type ActionRunner, createActionRunner, INGRESS_BATCHING } from "../use-cases/run-action";
import { WEBHOOK_TRANSPORT } from "./webhook-transport";

/**
 * POST /v1/hooks/:token, after the content type was checked: the token (an unknown one is refused before
 * the body is read, and the connection closed), the raw body, then signature, replay guard and daily quota
 * (one Redis call), JSON and schema, Idempotency-Key, then the action through the runner both transports
 * share. Returns the route's handlers in order.
 */
export function webhookHandler(
  deps: Required<Pick<IngressDeps, "clock">> & IngressDeps,
  metrics: IngressMetrics,
  runner: ActionRunner = createActionRunner(deps, metrics),
): RequestHandler[] {
  const { config, db, redis, logger, clock } = deps;
  const sql = db.pool;
  // Compiled once at start: no per-request schema compilation.
  const validate = createWebhookValidator();
  const identifiedBy = new WeakMap<Request, Identified>();
  const authenticate = createAuthenticator({
    // Token lookups of concurrent requests (a cold cache: a restart, many new tokens) share one statement;
    // bounded: past INGRESS_MAX_WAITING lookups waiting, a request is answered 503 at once.
    findOrg: createBatcher((hashes: string[]) => findWebhookOrgs(sql, hashes), {
      ...INGRESS_BATCHING,
      maxWaiting: config.INGRESS_MAX_WAITING,
    }),
    redis,
    box: new SecretBox(config.SECRETS_KEY),
    logger,
    redisPrefix: config.REDIS_PREFIX,
    toleranceSeconds: config.SIGNATURE_TOLERANCE_SECONDS,
    clock,
    cache: new OrgCache(config.TOKEN_CACHE_MAX_ENTRIES, config.TOKEN_CACHE_TTL_SECONDS * 1000),
    unknownTokens: new UnknownTokens(config.TOKEN_NEGATIVE_CACHE_MAX_ENTRIES, config.TOKEN_NEGATIVE_CACHE_TTL_SECONDS * 1000),
    onCache: (result) => metrics.tokenCache[result].inc(),
  });

  /** Before the body: a refused token closes the connection, so the body is never read. */
  const identify = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      identifiedBy.set(req, await authenticate.identify(String(req.params.token ?? "")));
    } catch (error) {
      res.setHeader("Connection", "close");
      throw error;
    }
    next();
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const ctx = requestContext(res);
    const raw = rawBodyOf(req);
    try {
      const { org, replayKey, quota } = await authenticate(
        String(req.params.token ?? ""),
        {
          timestamp: headerValue(req.headers["x-inbound-timestamp"]),
          signature: headerValue(req.headers["x-inbound-signature"]),
        },
        raw,
        identifiedBy.get(req),
      );
      ctx.orgId = org.orgId;
      ctx.replayKey = replayKey;
      if (org.signatureVerification) ctx.signatureVerified = true;
      applyQuota(res, quota, metrics);
      const request = parseWebhookBody(raw, validate);
      ctx.action = request.action;
      const actionCtx: ActionContext = {
        orgId: org.orgId,
        requestId: ctx.requestId,
        idempotencyKey: readIdempotencyKey(req.headers["idempotency-key"]),
        transport: WEBHOOK_TRANSPORT,
      };
      const result = await runner.execute(actionCtx, request.action, request.data, requestHash(raw), res);
      res.status(result.status).json(result.body);
    } catch (error) {
      const apiError = toApiError(error, config.BODY_LIMIT_BYTES);
      const refusedOrg = error instanceof Error ? refusedOrgOf.get(error) : undefined;
      if (refusedOrg) {
        ctx.orgId ??= refusedOrg;
        ctx.signatureVerified = false;
      }
      if (ctx.replayKey && apiError?.status === 503 && !(error instanceof OutcomeUnknownError)) {
        // A 503 means nothing was done: let the sender retry the same signed request.
        await redis.del(ctx.replayKey).catch(() => undefined);
      }
      throw error;
    }
  };

  return [identify, readRawBody(config.BODY_LIMIT_BYTES), handle];
}
