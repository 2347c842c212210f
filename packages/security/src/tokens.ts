import { createHash, randomBytes } from "node:crypto";

const TOKEN_PREFIX = "whk_";
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;

/** A new webhook token: shown once, stored only as its hash and display prefix. */
export function generateWebhookToken(): { token: string; tokenHash: string; displayPrefix: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, tokenHash: hashWebhookToken(token), displayPrefix: token.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** Tokens carry 256 random bits, so a plain SHA-256 (no salt, no stretching) is safe and indexable. */
export function hashWebhookToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}
