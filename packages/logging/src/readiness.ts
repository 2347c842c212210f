import { withTimeout } from "./timeouts";

/** Each dependency a service needs to take work, and whether it answered (e.g. { postgres, redis }). */
export type ReadinessChecks = Readonly<Record<string, boolean>>;

export const READINESS_RETRY_AFTER_SECONDS = 5;

/**
 * Runs each probe (a `SELECT 1`, a Redis PING…) at once, each bounded by timeoutMs (one for all, or one per
 * probe): true for one that answered in time, false for one that failed or hung. Never rejects.
 */
export async function probeReadiness<Name extends string>(
  probes: Readonly<Record<Name, () => Promise<unknown>>>,
  timeoutMs: number | Readonly<Record<Name, number>>,
): Promise<Record<Name, boolean>> {
  const names = Object.keys(probes) as Name[];
  const limit = (name: Name) => (typeof timeoutMs === "number" ? timeoutMs : timeoutMs[name]);
  const settled = await Promise.allSettled(names.map((name) => withTimeout(Promise.resolve().then(probes[name]), limit(name))));
  return Object.fromEntries(names.map((name, i) => [name, settled[i]!.status === "fulfilled"])) as Record<Name, boolean>;
}

export interface ReadinessReply {
  statusCode: 200 | 503;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The /readyz answer of every service, one shape: 200 `{status: "ready", checks}` when every check passed;
 * else 503 with Retry-After and `{success: false, error: {code: "service_unavailable", message}, checks}`
 * (the API's error envelope, naming the failed checks: no host, no error text). `checks` null: the check
 * itself failed.
 */
export function readinessReply(checks: ReadinessChecks | null): ReadinessReply {
  const failed = checks ? Object.keys(checks).filter((name) => !checks[name]) : ["readiness check"];
  if (checks && failed.length === 0) return { statusCode: 200, headers: {}, body: { status: "ready", checks } };
  return {
    statusCode: 503,
    headers: { "Retry-After": String(READINESS_RETRY_AFTER_SECONDS) },
    body: {
      success: false,
      error: { code: "service_unavailable", message: `Not ready: ${failed.join(" and ")} unavailable.` },
      checks: checks ?? {},
    },
  };
}
