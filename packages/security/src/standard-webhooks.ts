import { createHmac, randomBytes } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** A status-webhook endpoint's signing secret: `whsec_` + standard base64 of 32 random bytes (Standard Webhooks). */
export function generateEndpointSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** The HMAC key of a `whsec_…` secret: the base64-decoded part after the prefix. */
export function endpointSecretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("not a whsec_ secret");
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

/**
 * The `webhook-signature` header of Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`
 * under each secret given (space-separated, newest first): during a rotation's grace period every valid
 * secret signs, so a receiver holding either one verifies.
 */
export function signStandardWebhook(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac("sha256", endpointSecretKey(secret)).update(signed).digest("base64")}`)
    .join(" ");
}
