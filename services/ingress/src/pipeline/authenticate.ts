import { createHash } from "node:crypto";
import { ApiError } from "@inbound/contracts";
import type { WebhookOrg } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { orgEpochKey } from "@inbound/queue";
import { hashWebhookToken, type SecretBox, verifySignature } from "@inbound/security";
import type { Redis } from "ioredis";
import { admit, installAdmitCommand } from "./admit-script";
import type { OrgCache, OrgEntry } from "./org-cache";
import type { UnknownTokens } from "./unknown-tokens";

/**
 * The organisation of a request refused for its signature (or as a replay): the token was valid, so the
 * refusal belongs in that organisation's request log. Keyed by the thrown error.
 */
export const refusedOrgOf = new WeakMap<object, string>();
import { type QuotaState, quotaKey, quotaState, quotaTtlSeconds, quotaWindow } from "./quota";

/** Generated tokens are whk_ + base64url; anything else cannot match and skips the database. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{8,128}$/;

export interface SignatureHeaders {
  timestamp: string | undefined;
  signature: string | undefined;
}

type SignatureVerdict =
  /** timestamp: set when a signature was checked (verification on). */
  | { ok: true; timestamp?: number }
  | { ok: false; reason: "missing_signature" | "stale_timestamp" | "invalid_signature" };

/**
 * Per request: hit, miss, stale (the epoch moved), recheck (a cached copy refused the signature: checked
 * against the epoch), unknown (refused from the unknown-token cache); stored: a copy cached.
 */
export type TokenCacheResult = "hit" | "miss" | "stale" | "recheck" | "unknown" | "stored";

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
  /** Tokens Postgres just said it does not know: refused from memory for a few seconds. */
  unknownTokens: UnknownTokens;
  /** Counts what the cache did for each request (metrics). */
  onCache?: (result: TokenCacheResult) => void;
}

/**
 * What identify() learnt before the body was read: the token's hash, and the organisation read from
 * Postgres when no copy was cached (authenticate() then does not read it again).
 */
export interface Identified {
  tokenHash: string;
  row?: WebhookOrg;
}

/** An admitted request, with the epoch its Redis call read (what is read from Postgres after it may be cached under it). */
type Admission = Authenticated & { epoch: string };

export interface Authenticated {
  org: OrgEntry;
  /** The replay-guard key this request set (signed requests only). */
  replayKey?: string;
  /** The quota after counting this request. */
  quota: QuotaState;
}

/**
 * Token → organisation, signature, then ONE Redis call that sets the replay guard and counts the request
 * against the daily quota, and checks the epoch of a cached copy of the organisation: a copy whose epoch
 * no longer matches (an admin changed the token, signing or quota) is dropped before anything is written
 * and the request is decided on a fresh read, so a rotation takes effect on the next request on every
 * replica. A request served from a fresh read caches the organisation in the background.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const { toleranceSeconds, cache, unknownTokens, redis, redisPrefix, clock } = deps;
  const onCache = deps.onCache ?? (() => undefined);
  /** Tokens whose copy is being read for the cache (one read per token at a time). */
  const refreshing = new Set<string>();
  installAdmitCommand(redis);
  // A Redis that restarted may have lost the epochs: nothing read before that may be served after it.
  redis.on("close", () => cache.clear());

  const invalidToken = () =>
    new ApiError("invalid_token", "The webhook token is unknown or was rotated. Use the organisation's current webhook URL.");

  /** Postgres's answer for a token: null (and remembered as unknown for a few seconds) if it has none. */
  async function lookUp(tokenHash: string): Promise<WebhookOrg | null> {
    const row = await deps.findOrg(tokenHash);
    if (!row) unknownTokens.add(tokenHash, clock());
    return row;
  }

  /**
   * Before the body is read: refuses a malformed token or one known to be unknown from memory, and reads an
   * uncached token's organisation, so a request with an unknown token is refused without reading its body.
   */
  async function identify(token: string): Promise<Identified> {
    if (!TOKEN_SHAPE.test(token)) throw invalidToken();
    const tokenHash = hashWebhookToken(token);
    if (unknownTokens.has(tokenHash, clock())) {
      onCache("unknown");
      throw invalidToken();
    }
    if (cache.peek(tokenHash, clock())) return { tokenHash };
    if (cache.enabled) onCache("miss");
    const row = await lookUp(tokenHash);
    if (!row) throw invalidToken();
    return { tokenHash, row };
  }

  async function authenticate(
    token: string,
    headers: SignatureHeaders,
    rawBody: Buffer,
    identified?: Identified,
  ): Promise<Authenticated> {
    if (!TOKEN_SHAPE.test(token)) throw invalidToken();
    const tokenHash = identified?.tokenHash ?? hashWebhookToken(token);
    if (!identified && unknownTokens.has(tokenHash, clock())) {
      onCache("unknown");
      throw invalidToken();
    }
    const cached = cache.get(tokenHash, clock());
    // A miss that identify() read Postgres for was counted there.
    if (cache.enabled && !identified?.row) onCache(cached ? "hit" : "miss");
    if (cached) {
      const generation = cache.generation;
      const admitted = await admitWith(cached, headers, rawBody);
      if (admitted) {
        if (cache.isAging(tokenHash, clock())) refreshInBackground(tokenHash, cached.orgId, admitted.epoch, generation);
        return admitted;
      }
      // Out of date (the epoch moved, also when it refused the signature): drop it, and let Postgres decide.
      cache.delete(tokenHash);
    }
    const generation = cache.generation;
    const org = toEntry(identified?.row && !cached ? identified.row : await lookUp(tokenHash));
    const admitted = await admitWith(org, headers, rawBody, true);
    if (cache.enabled) refreshInBackground(tokenHash, org.orgId, admitted.epoch, generation);
    return admitted;
  }

  return Object.assign(authenticate, { identify });

  /**
   * True when the organisation's epoch still is the one the copy was read under: nothing it caches has
   * changed, so what the copy decides is what Postgres would decide. False when it moved or Redis did not say.
   */
  async function isCurrent(org: OrgEntry): Promise<boolean> {
    try {
      return ((await redis.get(orgEpochKey(redisPrefix, org.orgId))) ?? "0") === org.epoch;
    } catch {
      return false;
    }
  }

  /**
   * Checks the signature and makes the Redis call. With a cached copy (fresh false), returns null when the
   * copy may be out of date; with a fresh read, refusals are final.
   */
  async function admitWith(org: OrgEntry, headers: SignatureHeaders, rawBody: Buffer, fresh: true): Promise<Admission>;
  async function admitWith(org: OrgEntry, headers: SignatureHeaders, rawBody: Buffer): Promise<Admission | null>;
  async function admitWith(org: OrgEntry, headers: SignatureHeaders, rawBody: Buffer, fresh = false): Promise<Admission | null> {
    const now = clock();
    const check = verify(org, headers, rawBody, now);
    if (!check.ok) {
      if (!fresh) {
        onCache("recheck");
        // A refusal by a copy that is still current is final and keeps the copy: a sender with a bad
        // signature must not evict the organisation's copy for everyone (sending all its traffic to Postgres).
        // A copy that is out of date (signing just turned off, a secret just rotated) is dropped instead.
        if (!(await isCurrent(org))) return null;
      }
      const refusal = signatureError(check.reason, toleranceSeconds);
      refusedOrgOf.set(refusal, org.orgId);
      throw refusal;
    }
    const window = quotaWindow(now);
    const replayKey = check.timestamp === undefined ? undefined : replayGuardKey(redisPrefix, org.orgId, check.timestamp, rawBody);
    const outcome = await admit(redis, {
      epochKey: orgEpochKey(redisPrefix, org.orgId),
      expectedEpoch: fresh ? null : org.epoch,
      quotaKey: quotaKey(redisPrefix, org.orgId, window),
      quotaTtlSeconds: quotaTtlSeconds(window),
      replayKey,
      // An accepted signature cannot be used again while its timestamp is acceptable.
      replayTtlSeconds: 2 * toleranceSeconds,
    });
    if (outcome.kind === "stale") {
      onCache("stale");
      return null;
    }
    if (outcome.kind === "replayed") {
      const refusal = new ApiError(
        "replayed_request",
        "This request (same timestamp and body) was already accepted. Sign every request with a fresh timestamp.",
      );
      refusedOrgOf.set(refusal, org.orgId);
      throw refusal;
    }
    return { org, replayKey, quota: quotaState(org.dailyQuota, outcome.used, window), epoch: outcome.epoch };
  }

  /**
   * Caches the token's organisation, read AFTER the epoch the request's Redis call returned: a change
   * committed after this read bumps the epoch after its commit, so the copy is then seen as stale. Off the
   * request's path; a failure only means no copy.
   */
  function refreshInBackground(tokenHash: string, orgId: string, epoch: string, generation: number): void {
    if (refreshing.has(tokenHash)) return;
    refreshing.add(tokenHash);
    void refresh(tokenHash, orgId, epoch, generation).finally(() => refreshing.delete(tokenHash));
  }

  async function refresh(tokenHash: string, orgId: string, epoch: string, generation: number): Promise<void> {
    try {
      const row = await deps.findOrg(tokenHash);
      // Revoked meanwhile (or, were it possible, moved to another organisation): forget the copy.
      if (row?.orgId !== orgId) {
        cache.delete(tokenHash);
        return;
      }
      cache.set(tokenHash, toEntry(row, epoch), clock(), generation);
      onCache("stored");
    } catch {
      // No fresh copy: the one cached (if any) is served until its TTL, then Postgres is read again.
    }
  }

  function toEntry(row: WebhookOrg | null, epoch: string | null = null): OrgEntry {
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
        entry.secrets.push({ secret: deps.box.open(sealed, row.orgId), expiresAtMs });
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

/**
 * The replay guard's key: the REQUEST (organisation, timestamp, SHA-256 of the raw body), never which of
 * several signatures matched, so a captured dual-signed request resent with only one of its signatures
 * (or with them reordered, re-cased or re-prefixed) is still the same request.
 */
export function replayGuardKey(prefix: string, orgId: string, timestamp: number, rawBody: Buffer): string {
  return `${prefix}:replay:${orgId}:${timestamp}:${createHash("sha256").update(rawBody).digest("base64url")}`;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}
