/**
 * A stable, PII-free code for any error (what goes into logs, metrics and Redis): its string `code`
 * (ProviderError, pg and Node system errors), else its name.
 */
export function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; name?: unknown };
    if (typeof e.code === "string") return e.code;
    if (typeof e.name === "string") return e.name;
  }
  return "unknown_error";
}
