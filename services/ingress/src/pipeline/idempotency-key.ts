import { createHash } from "node:crypto";
import { ApiError } from "@inbound/contracts";

const PRINTABLE = /^[\x20-\x7e]{1,255}$/;

/** The Idempotency-Key header, if sent: 1–255 printable ASCII characters, or 400. */
export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header.join(", ") : header;
  if (!PRINTABLE.test(key) || key.trim() === "") {
    throw new ApiError(
      "invalid_idempotency_key",
      "Idempotency-Key must be 1 to 255 printable ASCII characters, e.g. a UUID.",
      "Idempotency-Key",
    );
  }
  return key;
}

/** The body as received decides "same request": re-spaced JSON is a different request. */
export function requestHash(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}
