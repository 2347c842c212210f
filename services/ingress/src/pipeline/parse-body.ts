import { ApiError, type WebhookRequest, type WebhookValidator } from "@inbound/contracts";

const utf8 = new TextDecoder("utf-8", { fatal: true });
// A surrogate half without its pair.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (s: string) => s.includes("\u0000") || LONE_SURROGATE.test(s);

/** Raw bytes → a validated request. Error messages never quote the body (it holds PII). */
export function parseWebhookBody(raw: Buffer, validate: WebhookValidator): WebhookRequest {
  const request = validate(parseJson(raw, '{"action": "…", "data": {…}}'));
  assertStorable(request.data, "data");
  return request;
}

/** Raw bytes → JSON (not yet validated); `example` shows what to send when it is not JSON. */
export function parseJson(raw: Buffer, example: string): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ApiError("malformed_json", "The body must be JSON encoded as UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("malformed_json", `The body is not valid JSON. Send ${example}.`);
  }
}

/**
 * Postgres refuses NUL characters and unpaired surrogates in text and jsonb: reject them as the caller's
 * fault. `path` names `value` in errors ("" for the whole body).
 */
export function assertStorable(value: unknown, path: string): void {
  if (typeof value === "string") {
    if (unstorable(value)) {
      throw new ApiError(
        "invalid_field",
        `${path || "The body"} contains a NUL character or an unpaired surrogate; remove it.`,
        path || undefined,
      );
    }
    return;
  }
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (unstorable(key)) {
        throw new ApiError(
          "invalid_field",
          `${path || "The body"} has a key with a NUL character or an unpaired surrogate; remove it.`,
          path || undefined,
        );
      }
      assertStorable(child, childPath);
    }
  }
}
