import { ApiError } from "@inbound/contracts";
import { findWebhookOrg, type SqlClient, type WebhookOrg } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { hashWebhookToken, type SecretBox, verifySignature } from "@inbound/security";
import type { Redis } from "ioredis";

/** Generated tokens are whk_ + base64url; anything else cannot match and skips the database. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{8,128}$/;

export interface SignatureHeaders {
  timestamp: string | undefined;
  signature: string | undefined;
}

export interface AuthenticatorDeps {
  /** The pg pool: the token lookup runs as a prepared statement. */
  sql: SqlClient;
  redis: Redis;
  box: SecretBox;
  logger: Logger;
  redisPrefix: string;
  toleranceSeconds: number;
  clock: () => number;
}

export interface Authenticated {
  org: WebhookOrg;
  /** The replay-guard key this request set (signed requests only). */
  replayKey?: string;
}

export function createAuthenticator(deps: AuthenticatorDeps) {
  const { toleranceSeconds } = deps;
  const invalidToken = () =>
    new ApiError("invalid_token", "The webhook token is unknown or was rotated. Use the organisation's current webhook URL.");

  return async function authenticate(token: string, headers: SignatureHeaders, rawBody: Buffer): Promise<Authenticated> {
    if (!TOKEN_SHAPE.test(token)) throw invalidToken();
    const org = await findWebhookOrg(deps.sql, hashWebhookToken(token));
    if (!org) throw invalidToken();
    if (!org.signatureVerification) return { org };

    const check = verifySignature({
      timestampHeader: headers.timestamp,
      signatureHeader: headers.signature,
      rawBody,
      secrets: openSecrets(org),
      toleranceSeconds,
      nowSeconds: Math.floor(deps.clock() / 1000),
    });
    if (!check.ok) {
      switch (check.reason) {
        case "missing_signature":
          throw new ApiError(
            "missing_signature",
            "Signature verification is on for this organisation: send X-Inbound-Timestamp and X-Inbound-Signature.",
          );
        case "stale_timestamp":
          throw new ApiError(
            "stale_timestamp",
            `X-Inbound-Timestamp must be the current Unix time in seconds (within ${toleranceSeconds} seconds); check the sender's clock.`,
          );
        default:
          throw new ApiError(
            "invalid_signature",
            'X-Inbound-Signature does not match: send the hex HMAC-SHA256 of "{timestamp}.{raw body}" under the signing secret.',
          );
      }
    }
    // Shared by every replica: an accepted signature cannot be used again while its timestamp is acceptable.
    const replayKey = `${deps.redisPrefix}:sig:${org.orgId}:${check.matched}`;
    const fresh = await deps.redis.set(replayKey, "1", "EX", 2 * toleranceSeconds, "NX");
    if (fresh === null) {
      throw new ApiError("replayed_request", "This signature was already used. Sign every request with a fresh timestamp.");
    }
    return { org, replayKey };
  };

  function openSecrets(org: WebhookOrg): string[] {
    const secrets: string[] = [];
    for (const sealed of org.sealedSecrets) {
      try {
        secrets.push(deps.box.open(sealed));
      } catch {
        deps.logger.error({ org_id: org.orgId }, "a signing secret cannot be decrypted with SECRETS_KEY");
      }
    }
    return secrets;
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}
