import { createBatcher, findWebhookOrgs } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import type { Request, Response } from "express";
import type { IngressDeps } from "../deps";
import { requestContext } from "../http/context";
import { toApiError } from "../http/errors";
import type { IngressMetrics } from "../metrics";
import { applyQuota } from "../pipeline/apply-quota";
import { createAuthenticator, headerValue } from "../pipeline/authenticate";
import { readIdempotencyKey, requestHash } from "../pipeline/idempotency-key";
import { OrgCache } from "../pipeline/org-cache";
import { parseWebhookBody } from "../pipeline/parse-body";
import { rawBodyOf } from "../pipeline/read-body";
import type { ActionContext } from "../use-cases/action";
import { type ActionRunner, createActionRunner, INGRESS_BATCHING } from "../use-cases/run-action";
import { WEBHOOK_TRANSPORT } from "./webhook-transport";
import { createWebhookValidator } from "@inbound/contracts";

/**
 * POST /v1/hooks/:token, after the content type was checked and the raw body read: token, signature, then
 * replay guard and daily quota (one Redis call), JSON and schema, Idempotency-Key, then the action.
 */
export function webhookHandler(
  deps: Required<Pick<IngressDeps, "clock">> & IngressDeps,
  metrics: IngressMetrics,
  runner: ActionRunner = createActionRunner(deps, metrics),
) {
  const { config, db, redis, logger, clock } = deps;
  const sql = db.pool;
  // Compiled once at start: no per-request schema compilation.
  const validate = createWebhookValidator();
  const authenticate = createAuthenticator({
    // Token lookups of concurrent requests (a cold cache: a restart, many new tokens) share one statement.
    findOrg: createBatcher((hashes: string[]) => findWebhookOrgs(sql, hashes), INGRESS_BATCHING),
    redis,
    box: new SecretBox(config.SECRETS_KEY),
    logger,
    redisPrefix: config.REDIS_PREFIX,
    toleranceSeconds: config.SIGNATURE_TOLERANCE_SECONDS,
    clock,
    cache: new OrgCache(config.TOKEN_CACHE_MAX_ENTRIES, config.TOKEN_CACHE_TTL_SECONDS * 1000),
    onCache: (result) => metrics.tokenCache[result].inc(),
  });

  return async (req: Request, res: Response): Promise<void> => {
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
      );
      ctx.orgId = org.orgId;
      ctx.replayKey = replayKey;
      applyQuota(res, quota, metrics);
      const request = parseWebhookBody(raw, validate);
      ctx.action = request.action;
      const key = readIdempotencyKey(req.headers["idempotency-key"]);
      const actionCtx: ActionContext = {
        orgId: org.orgId,
        requestId: ctx.requestId,
        idempotencyKey: key,
        transport: WEBHOOK_TRANSPORT,
      };
      const result = await runner.execute(actionCtx, request.action, request.data, requestHash(raw), res);
      res.status(result.status).json(result.body);
    } catch (error) {
      const apiError = toApiError(error, config.BODY_LIMIT_BYTES);
      if (ctx.replayKey && (!apiError || apiError.status >= 500)) {
        // Nothing was done: let the sender retry the same signed request.
        await redis.del(ctx.replayKey).catch(() => undefined);
      }
      throw error;
    }
  };
}
