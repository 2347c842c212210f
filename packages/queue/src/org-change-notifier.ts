import { maskUrlPassword } from "@inbound/logging";
import { bumpOrgEpoch } from "./org-epoch";
import { createRedis } from "./redis";

type Redis = ReturnType<typeof createRedis>;

/** Redis did not answer BEFORE the change: nothing was changed (the ingress replicas could not have been told). */
export class IngressUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IngressUnreachableError";
  }
}

/** A change applied through the notifier: its result, and a warning when the replicas could not be told after the commit. */
export interface AppliedOrgChange<T> {
  result: T;
  warning?: string;
}

export interface OrgChangeNotifier {
  /**
   * Applies a change of an organisation's token, signing or quota so that an operator is never left with a
   * committed credential they were not shown (SPEC §4): Redis is reached FIRST (unreachable: nothing is
   * changed, IngressUnreachableError); then the change commits in Postgres; then every ingress replica is
   * told (the organisation's epoch is bumped), so none serves its cached copy again. If Redis fails between
   * the commit and the bump, the change stands and its result is returned with a warning to show: the
   * replicas may serve their cached copy for up to TOKEN_CACHE_TTL_SECONDS.
   */
  apply<T>(orgId: string, change: () => Promise<T>): Promise<AppliedOrgChange<T>>;
  /**
   * A revocation (an API key) must not wait for Redis: it commits first, whatever Redis does, then tells the
   * replicas (the epoch of orgIdOf(result)); if Redis does not answer, the result comes with a warning that
   * replicas may accept the revoked credential for up to TOKEN_CACHE_TTL_SECONDS.
   */
  revoke<T>(change: () => Promise<T>, orgIdOf: (result: T) => string): Promise<AppliedOrgChange<T>>;
  close(): Promise<void>;
}

/**
 * Connects to Redis only when a command first needs it. Shared by the admin CLI and the dashboard: one
 * implementation of "Redis first, commit, then bump the epoch".
 */
export function createOrgChangeNotifier(options: {
  redisUrl: string;
  redisPrefix: string;
  timeoutMs: number;
  cacheTtlSeconds: number;
  /** The Redis client name (CLIENT LIST); "admin" by default. */
  clientName?: string;
}): OrgChangeNotifier {
  let redis: Redis | undefined;
  let lastError: Error | undefined;

  const where = () => `Redis at ${maskUrlPassword(options.redisUrl)}`;
  const fail = (reason: string) =>
    new IngressUnreachableError(
      `nothing was changed: ${where()} did not answer (${reason}), and the ingress replicas must be told of this change. ` +
        "Bring Redis back (or fix REDIS_URL), then run the command again.",
    );
  const notNotified = (reason: string) =>
    `the change is saved in Postgres and shown above, but ${where()} stopped answering before the ingress replicas were told (${reason}): ` +
    `they may go on using the previous token, signing or quota settings for up to ${options.cacheTtlSeconds} s ` +
    "(TOKEN_CACHE_TTL_SECONDS; a replica that lost Redis has already dropped them).";

  async function connected(): Promise<Redis> {
    if (!redis) {
      redis = createRedis({ url: options.redisUrl, timeoutMs: options.timeoutMs, role: "client", name: options.clientName ?? "admin" });
      redis.on("error", (error: Error) => {
        lastError = error;
      });
    }
    const client = redis;
    if (client.status === "ready") return client;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off("ready", onReady);
        reject(fail(lastError?.message ?? `no connection within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once("ready", onReady);
    });
    return client;
  }

  return {
    async apply(orgId, change) {
      const client = await connected();
      try {
        await client.ping();
      } catch (error) {
        throw fail(error instanceof Error ? error.message : String(error));
      }
      const result = await change();
      try {
        await bumpOrgEpoch(client, options.redisPrefix, orgId);
        return { result };
      } catch (error) {
        return { result, warning: notNotified(error instanceof Error ? error.message : String(error)) };
      }
    },
    async revoke(change, orgIdOf) {
      const result = await change();
      try {
        await bumpOrgEpoch(await connected(), options.redisPrefix, orgIdOf(result));
        return { result };
      } catch (error) {
        const reason = lastError?.message ?? (error instanceof Error ? error.message : String(error));
        return {
          result,
          warning:
            `the revocation is saved in Postgres and shown above, but ${where()} did not answer (${reason}), so the ` +
            `ingress replicas were not told: one that cached the credential may accept it for up to ${options.cacheTtlSeconds} s ` +
            "(TOKEN_CACHE_TTL_SECONDS; a replica that lost Redis has already dropped its cache).",
        };
      }
    },
    async close() {
      if (!redis) return;
      const client = redis;
      redis = undefined;
      if (client.status === "ready") await client.quit().catch(() => undefined);
      client.disconnect();
    },
  };
}
