import type { Redis } from "ioredis";

export interface QuotaState {
  limit: number;
  used: number;
  remaining: number;
  /** Seconds until the counter resets (next 00:00 UTC). */
  resetSeconds: number;
  exceeded: boolean;
}

const DAY_MS = 86_400_000;

// INCR, and EXPIRE on the first count of the day: atomic, and one command (a MULTI costs ioredis far more CPU).
const QUOTA_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

type QuotaRedis = Redis & { inboundDailyQuota(key: string, ttlSeconds: number): Promise<number> };

/** Registers the counter script on the connection (EVALSHA, falling back to EVAL once per connection). */
export function installQuotaCommand(redis: Redis): void {
  if (typeof (redis as unknown as Partial<QuotaRedis>).inboundDailyQuota !== "function") {
    redis.defineCommand("inboundDailyQuota", { numberOfKeys: 1, lua: QUOTA_SCRIPT });
  }
}

/** Counts one request against the organisation's daily quota: ONE round trip. */
export async function consumeDailyQuota(
  redis: Redis,
  input: { prefix: string; orgId: string; limit: number; nowMs: number },
): Promise<QuotaState> {
  const { nowMs } = input;
  const day = new Date(nowMs).toISOString().slice(0, 10).replaceAll("-", "");
  const resetSeconds = Math.max(1, Math.ceil((Math.floor(nowMs / DAY_MS + 1) * DAY_MS - nowMs) / 1000));
  const key = `${input.prefix}:quota:${input.orgId}:${day}`;
  const used = Number(await (redis as unknown as QuotaRedis).inboundDailyQuota(key, resetSeconds + 3600));
  return {
    limit: input.limit,
    used,
    remaining: Math.max(0, input.limit - used),
    resetSeconds,
    exceeded: used > input.limit,
  };
}

/** The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers), sent on every authenticated response. */
export function rateLimitHeaders(state: QuotaState): Record<string, string> {
  return {
    "RateLimit-Policy": `"daily";q=${state.limit};w=86400`,
    RateLimit: `"daily";r=${state.remaining};t=${state.resetSeconds}`,
  };
}
