/**
 * The error plumbing every service shares: walking an error's causes and naming an error by a stable,
 * PII-free code (what goes into logs, metrics, Redis and probe bodies; never a message).
 */

/**
 * An error and its causes, outermost first: `cause`, or Prisma's `meta.driverAdapterError` (which wraps
 * the pg error). At most maxDepth links, so a cyclic chain ends.
 */
export function* errorChain(error: unknown, maxDepth = 6): Generator<unknown> {
  for (let e: unknown = error, depth = 0; e && depth < maxDepth; depth++) {
    yield e;
    const link = e as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    e = link.cause ?? link.meta?.driverAdapterError;
  }
}

/**
 * A stable, PII-free code for any error: its string `code` (ProviderError, pg and Node system errors),
 * else its name; `unknown_error` for a non-error.
 */
export function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; name?: unknown };
    if (typeof e.code === "string") return e.code;
    if (typeof e.name === "string") return e.name;
  }
  return "unknown_error";
}

/** The first non-empty string `code` along the cause chain (pg's SQLSTATE, a Node errno code, Prisma's P-code). */
export function causeCode(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
  }
  return undefined;
}
