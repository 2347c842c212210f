import { ApiError } from "@inbound/contracts";
import { type ApiKeyOrg, createBatcher, findApiKeyOrgs, type SqlClient, touchApiKeys } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { API_KEY_SHAPE, hashApiKey, type SecretBox } from "@inbound/security";
import type { Redis } from "ioredis";
import { INGRESS_BATCHING } from "../use-cases/run-action";
import { type Authenticated, createAuthenticator, type TokenCacheResult } from "./authenticate";
import type { UnknownTokens } from "./unknown-tokens";
import { OrgCache } from "./org-cache";

const NO_SIGNATURE = { timestamp: undefined, signature: undefined };
const NO_BODY = Buffer.alloc(0);
/** How often, at most, one replica writes a key's last_used_at. */
const LAST_USED_RESOLUTION_MS = 60_000;
const LAST_USED_MAX_TRACKED = 100_000;

export interface ApiKeyAuthenticatorDeps {
  sql: SqlClient;
  redis: Redis;
  box: SecretBox;
  logger: Logger;
  redisPrefix: string;
  toleranceSeconds: number;
  clock: () => number;
  cacheMaxEntries: number;
  cacheTtlMs: number;
  /** Unknown keys answered 401 from memory for this long (a flood of made-up keys reads Postgres once each). */
  unknownKeys: UnknownTokens;
  onCache?: (result: TokenCacheResult) => void;
}

function invalidApiKey(message: string): ApiError {
  return new ApiError("invalid_api_key", message, "Authorization", {}, { "WWW-Authenticate": "Bearer" });
}

/**
 * `Authorization: Bearer sk_…` → the key's organisation, with the request counted against its daily quota.
 * The webhook token's authenticator, over api_keys instead of webhook_tokens: a cache of key hashes whose
 * copies are checked against the organisation's epoch in the same ONE Redis call that counts the quota, so
 * revoking a key (which bumps the epoch after its commit) takes effect on the next request on every replica.
 * last_used_at is written off the request path, at most once a minute per key and replica.
 */
export function createApiKeyAuthenticator(deps: ApiKeyAuthenticatorDeps) {
  const authenticate = createAuthenticator({
    // Key lookups of concurrent requests share one statement.
    findOrg: createBatcher((hashes: string[]) => findApiKeyOrgs(deps.sql, hashes), INGRESS_BATCHING),
    unknownTokens: deps.unknownKeys,
    redis: deps.redis,
    box: deps.box,
    logger: deps.logger,
    redisPrefix: deps.redisPrefix,
    toleranceSeconds: deps.toleranceSeconds,
    clock: deps.clock,
    cache: new OrgCache(deps.cacheMaxEntries, deps.cacheTtlMs),
    onCache: deps.onCache,
  });
  const lastMarked = new Map<string, number>();

  function noteUse(keyHash: string): void {
    const now = deps.clock();
    const last = lastMarked.get(keyHash);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    if (lastMarked.size >= LAST_USED_MAX_TRACKED) lastMarked.clear();
    lastMarked.set(keyHash, now);
    // Not awaited: a lost update only leaves last_used_at a minute older.
    touchApiKeys(deps.sql, [keyHash], LAST_USED_RESOLUTION_MS / 1000).catch(() => lastMarked.delete(keyHash));
  }

  return async function authenticateApiKey(authorization: string | undefined): Promise<Authenticated> {
    if (!authorization) {
      throw invalidApiKey(
        "Send the API key in the header Authorization: Bearer sk_… (create one with pnpm admin apikey create).",
      );
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) throw invalidApiKey("The Authorization header must be: Bearer sk_… (one API key, no other scheme).");
    const key = match[1] as string;
    if (!API_KEY_SHAPE.test(key)) {
      throw invalidApiKey(
        key.startsWith("whk_")
          ? "This is a webhook token, not an API key: the REST API takes an API key (sk_…) from pnpm admin apikey create."
          : "The API key is unknown or was revoked.",
      );
    }
    let authenticated: Authenticated;
    try {
      authenticated = await authenticate(key, NO_SIGNATURE, NO_BODY);
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_token")
        throw invalidApiKey("The API key is unknown or was revoked.");
      throw error;
    }
    noteUse(hashApiKey(key));
    return authenticated;
  };
}

export type { ApiKeyOrg };
