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

const API_KEY_PREFIX = "sk_";
/** sk_ and 8 characters of the random part: enough to tell keys apart in a list, far too little to guess one. */
const API_KEY_DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
/** What a generated API key looks like: sk_ + base64url of 32 random bytes (43 characters). */
export const API_KEY_SHAPE = /^sk_[A-Za-z0-9_-]{43}$/;

/** A new REST API key (256 random bits): shown once, stored only as its hash and display prefix. */
export function generateApiKey(): { apiKey: string; keyHash: string; displayPrefix: string } {
  const apiKey = API_KEY_PREFIX + randomBytes(32).toString("base64url");
  return { apiKey, keyHash: hashApiKey(apiKey), displayPrefix: apiKey.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH) };
}

/** Like webhook tokens: 256 random bits, so a plain SHA-256 is safe and indexable. */
export function hashApiKey(apiKey: string): string {
  return hashWebhookToken(apiKey);
}
