import { maskUrlPassword } from "@inbound/logging";
import { bumpOrgEpoch, createRedis } from "@inbound/queue";

type Redis = ReturnType<typeof createRedis>;

/** The change is committed in Postgres but the ingress replicas could not be told (Redis did not answer). */
export class IngressNotNotifiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IngressNotNotifiedError";
  }
}

export interface OrgChangeNotifier {
  /**
   * Tells every ingress replica that the organisation's token, signing or quota changed (bumps its epoch
   * in Redis), so none serves its cached copy again. Call it after the Postgres commit. Throws
   * IngressNotNotifiedError when Redis does not answer.
   */
  orgChanged(orgId: string, consequence?: string): Promise<void>;
  close(): Promise<void>;
}

/** Connects to Redis only when a command first needs it. */
export function createOrgChangeNotifier(options: {
  redisUrl: string;
  redisPrefix: string;
  timeoutMs: number;
  cacheTtlSeconds: number;
}): OrgChangeNotifier {
  let redis: Redis | undefined;
  let lastError: Error | undefined;

  const fail = (reason: string, consequence = "go on using the previous token, signing or quota settings") =>
    new IngressNotNotifiedError(
      `the change is saved in Postgres, but Redis at ${maskUrlPassword(options.redisUrl)} did not answer (${reason}), ` +
        `so the ingress replicas were not told: they may ${consequence} ` +
        `for up to ${options.cacheTtlSeconds} s (TOKEN_CACHE_TTL_SECONDS; a replica that lost Redis has already dropped them). ` +
        "Bring Redis back to make sure of it.",
    );

  async function connected(consequence?: string): Promise<Redis> {
    if (!redis) {
      redis = createRedis({ url: options.redisUrl, timeoutMs: options.timeoutMs, role: "client", name: "admin" });
      redis.on("error", (error: Error) => {
        lastError = error;
      });
    }
    const client = redis;
    if (client.status === "ready") return client;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off("ready", onReady);
        reject(fail(lastError?.message ?? `no connection within ${options.timeoutMs} ms`, consequence));
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
    async orgChanged(orgId, consequence) {
      const client = await connected(consequence);
      try {
        await bumpOrgEpoch(client, options.redisPrefix, orgId);
      } catch (error) {
        throw fail(error instanceof Error ? error.message : String(error), consequence);
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
