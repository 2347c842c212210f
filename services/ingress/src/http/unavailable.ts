import { ApiError } from "@inbound/contracts";
import { BatcherFullError, isDatabaseUnavailable } from "@inbound/db";
import { errorChain, READINESS_RETRY_AFTER_SECONDS } from "@inbound/logging";

export const RETRY_AFTER_SECONDS = READINESS_RETRY_AFTER_SECONDS;

const REDIS_MESSAGES =
  /Connection is closed|Stream isn't writeable|Command timed out|Reached the max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|enqueue timed out|LOADING|MASTERDOWN|CLUSTERDOWN|READONLY/i;

/** True when an error means Redis is unreachable or not serving (answer 503). */
export function isRedisUnavailable(error: unknown): boolean {
  for (const e of errorChain(error, 5)) {
    const candidate = e as { name?: unknown; code?: unknown; message?: unknown };
    if (candidate.name === "MaxRetriesPerRequestError" || candidate.name === "RedisUnavailableError") return true;
    if (typeof candidate.code === "string" && REDIS_MESSAGES.test(candidate.code)) return true;
    if (typeof candidate.message === "string" && REDIS_MESSAGES.test(candidate.message)) return true;
  }
  return false;
}

export function serviceUnavailable(what: "database" | "queue" | "service" | "busy" = "service"): ApiError {
  const message =
    what === "busy"
      ? "Too many requests are waiting for the database; nothing was done. Retry after a few seconds."
      : what === "database"
        ? "The database is unavailable. Retry after a few seconds."
        : what === "queue"
          ? "The call queue is unavailable; nothing was created. Retry after a few seconds."
          : "The service is unavailable. Retry after a few seconds.";
  return new ApiError("service_unavailable", message, undefined, {}, { "Retry-After": String(RETRY_AFTER_SECONDS) });
}

/** Maps an infrastructure failure to a 503, or returns null for anything else. */
export function toUnavailable(error: unknown): ApiError | null {
  // A full in-memory queue (a flood): refused before anything was done.
  if (error instanceof BatcherFullError) return serviceUnavailable("busy");
  if (isDatabaseUnavailable(error)) return serviceUnavailable("database");
  if (isRedisUnavailable(error)) return serviceUnavailable("service");
  return null;
}

/** Bounded Redis steps (shared with @inbound/calls' use cases). */
export { withTimeout } from "@inbound/queue";
