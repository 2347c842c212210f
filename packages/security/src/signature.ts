import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureCheck =
  /** timestamp: the accepted X-Inbound-Timestamp (seconds), part of the request's replay-guard identity. */
  | { ok: true; timestamp: number }
  | { ok: false; reason: "missing_signature" | "stale_timestamp" | "invalid_signature" };

export interface SignatureInput {
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  rawBody: Buffer;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowSeconds: number;
}

export function signPayload(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

/**
 * Verifies `X-Inbound-Signature` (hex HMAC-SHA256 of "{timestamp}.{raw body}") against every live secret.
 * The header may hold several signatures, separated by commas or spaces, each optionally `sha256=`-prefixed.
 */
export function verifySignature(input: SignatureInput): SignatureCheck {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: "missing_signature" };
  if (!/^\d{1,12}$/.test(timestampHeader.trim())) return { ok: false, reason: "stale_timestamp" };
  const timestamp = Number(timestampHeader.trim());
  if (Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds) return { ok: false, reason: "stale_timestamp" };

  const candidates = signatureHeader
    .split(/[\s,]+/)
    .map((s) => s.replace(/^sha256=/i, "").toLowerCase())
    .filter((s) => /^[0-9a-f]{64}$/.test(s))
    .slice(0, 8);
  if (candidates.length === 0) return { ok: false, reason: "invalid_signature" };

  for (const secret of input.secrets) {
    const expected = Buffer.from(signPayload(secret, timestampHeader.trim(), input.rawBody), "hex");
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) return { ok: true, timestamp };
    }
  }
  return { ok: false, reason: "invalid_signature" };
}
