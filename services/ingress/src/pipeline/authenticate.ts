import { ApiError } from "@inbound/contracts";
import type { WebhookOrg } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { orgEpochKey } from "@inbound/queue";
import { hashWebhookToken, type SecretBox, verifySignature } from "@inbound/security";
import type { Redis } from "ioredis";
import { admit, installAdmitCommand } from "./admit-script";
import type { OrgCache, OrgEntry } from "./org-cache";
import { type QuotaState, quotaKey, quotaState, quotaTtlSeconds, quotaWindow } from "./quota";

/** Generated tokens are whk_ + base64url; anything else cannot match and skips the database. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{8,128}$/;

/** After this many epoch mismatches in one request (admin changes in a row), the freshest copy is used as is. */
const MAX_STALE_ROUNDS = 3;

export interface SignatureHeaders {
  timestamp: string | undefined;
  signature: string | undefined;
}

type SignatureVerdict =
  | { ok: true; matched?: string }
  | { ok: false; reason: "missing_signature" | "stale_timestamp" | "invalid_signature" };

export type TokenCacheResult = "hit" | "miss" | "stale" | "recheck";

export interface AuthenticatorDeps {
  /** The token lookup (findWebhookOrgs on the pg pool, batched). */
  findOrg: (tokenHash: string) => Promise<WebhookOrg | null>;
  redis: Redis;
  box: SecretBox;
  logger: Logger;
  redisPrefix: string;
  toleranceSeconds: number;
  clock: () => number;
  cache: OrgCache;
  /** Counts what the cache did for each request (metrics). */
  onCache?: (result: TokenCacheResult) => void;
}

export interface Authenticated {
  org: OrgEntry;
  /** The replay-guard key this request set (signed requests only). */
  replayKey?: string;
  /** The quota after counting this request. */
  quota: QuotaState;
}

/**
 * Token → organisation (from the cache, or Postgres), signature, then ONE Redis call that checks the cached
 * copy's epoch, sets the replay guard and counts the request against the daily quota. A copy whose epoch
 * no longer matches (an admin changed the token, signing or quota) is dropped and read again before
 * anything is written, so a rotation takes effect on the next request on every replica.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const { toleranceSeconds, cache, redis, redisPrefix, clock } = deps;
  const onCache = deps.onCache ?? (() => undefined);
  installAdmitCommand(redis);
  // A Redis that restarted may have lost the epochs: nothing read before that may be served after it.
  redis.on("close", () => cache.clear());

  const invalidToken = () =>
    new ApiError("invalid_token", "The webhook token is unknown or was rotated. Use the organisation's current webhook URL.");

  return async function authenticate(token: string, headers: SignatureHeaders, rawBody: Buffer): Promise<Authenticated> {
    if (!TOKEN_SHAPE.test(token)) throw invalidToken();
    const tokenHash = hashWebhookToken(token);
    let org = cache.get(tokenHash, clock());
    let fromCache = org !== undefined;
    if (cache.enabled) onCache(fromCache ? "hit" : "miss");
    for (let round = 1; ; round++) {
      if (!org) {
        org = await load(tokenHash);
        fromCache = false;
      }
      const now = clock();
      const check = verify(org, headers, rawBody, now);
      if (!check.ok) {
        if (fromCache) {
          // Perhaps only our copy is out of date (signing just turned off, a secret just rotated): ask Postgres.
          onCache("recheck");
          cache.delete(tokenHash);
          org = undefined;
          continue;
        }
        throw signatureError(check.reason, toleranceSeconds);
      }
      const window = quotaWindow(now);
      const replayKey = check.matched ? `${redisPrefix}:sig:${org.orgId}:${check.matched}` : undefined;
      const outcome = await admit(redis, {
        epochKey: orgEpochKey(redisPrefix, org.orgId),
        expectedEpoch: round > MAX_STALE_ROUNDS ? null : org.epoch,
        quotaKey: quotaKey(redisPrefix, org.orgId, window),
        quotaTtlSeconds: quotaTtlSeconds(window),
        replayKey,
        // An accepted signature cannot be used again while its timestamp is acceptable.
        replayTtlSeconds: 2 * toleranceSeconds,
      });
      if (outcome.kind === "stale") {
        onCache("stale");
        cache.delete(tokenHash);
        org = undefined;
        continue;
      }
      if (outcome.kind === "replayed") {
        throw new ApiError("replayed_request", "This signature was already used. Sign every request with a fresh timestamp.");
      }
      return { org, replayKey, quota: quotaState(org.dailyQuota, outcome.used, window) };
    }
  };

  /** Reads the token's organisation from Postgres (and caches it, with the epoch it was read under). */
  async function load(tokenHash: string): Promise<OrgEntry> {
    const generation = cache.generation;
    if (!cache.enabled) return toEntry(await deps.findOrg(tokenHash), null);
    // The epoch is read BEFORE the copy that is cached: a change committed after that read bumps the epoch
    // after its commit, so the copy is then seen as stale. Which organisation's epoch: known from an expired
    // copy, else the first read tells.
    const orgId = cache.knownOrgId(tokenHash) ?? (await deps.findOrg(tokenHash))?.orgId;
    if (!orgId) throw invalidToken();
    const epoch = (await redis.get(orgEpochKey(redisPrefix, orgId))) ?? "0";
    const row = await deps.findOrg(tokenHash);
    // (A token never changes organisation; were it to, the copy is used once and not cached.)
    const entry = toEntry(row, row?.orgId === orgId ? epoch : null);
    cache.set(tokenHash, entry, clock(), generation);
    return entry;
  }

  function toEntry(row: WebhookOrg | null, epoch: string | null): OrgEntry {
    if (!row) throw invalidToken();
    const entry: OrgEntry = {
      orgId: row.orgId,
      dailyQuota: row.dailyQuota,
      signatureVerification: row.signatureVerification,
      secrets: [],
      epoch,
    };
    for (const { sealed, expiresAtMs } of row.signingSecrets) {
      try {
        entry.secrets.push({ secret: deps.box.open(sealed), expiresAtMs });
      } catch {
        deps.logger.error({ org_id: row.orgId }, "a signing secret cannot be decrypted with SECRETS_KEY");
      }
    }
    return entry;
  }

  function verify(org: OrgEntry, headers: SignatureHeaders, rawBody: Buffer, nowMs: number): SignatureVerdict {
    if (!org.signatureVerification) return { ok: true };
    const secrets: string[] = [];
    for (const s of org.secrets) if (s.expiresAtMs === null || s.expiresAtMs > nowMs) secrets.push(s.secret);
    return verifySignature({
      timestampHeader: headers.timestamp,
      signatureHeader: headers.signature,
      rawBody,
      secrets,
      toleranceSeconds,
      nowSeconds: Math.floor(nowMs / 1000),
    });
  }
}

function signatureError(reason: Extract<SignatureVerdict, { ok: false }>["reason"], toleranceSeconds: number): ApiError {
  switch (reason) {
    case "missing_signature":
      return new ApiError(
        "missing_signature",
        "Signature verification is on for this organisation: send X-Inbound-Timestamp and X-Inbound-Signature.",
      );
    case "stale_timestamp":
      return new ApiError(
        "stale_timestamp",
        `X-Inbound-Timestamp must be the current Unix time in seconds (within ${toleranceSeconds} seconds); check the sender's clock.`,
      );
    default:
      return new ApiError(
        "invalid_signature",
        'X-Inbound-Signature does not match: send the hex HMAC-SHA256 of "{timestamp}.{raw body}" under the signing secret.',
      );
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}
