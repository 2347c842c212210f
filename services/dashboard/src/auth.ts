import { createHash, createHmac } from "node:crypto";
import type { Redis } from "ioredis";

/** The session's signing secret, derived from SECRETS_KEY (one key to manage; never the key itself). */
export function sessionSecret(secretsKey: string): string {
  return createHmac("sha256", Buffer.from(secretsKey, "hex")).update("dashboard-session").digest("hex");
}

export interface Throttle {
  /** Seconds until sign-in is allowed again for this email or client address; 0 when allowed. */
  lockedFor(email: string, ip: string): Promise<number>;
  failed(email: string, ip: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

/**
 * Sign-in throttling in Redis (shared by every dashboard replica): after maxFailures failed sign-ins for one
 * email within lockSeconds, or 10× that from one client address, sign-in is refused until the window ends.
 */
export function createThrottle(redis: Redis, prefix: string, maxFailures: number, lockSeconds: number): Throttle {
  const digest = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 32);
  const emailKey = (email: string) => `${prefix}:signin-failures:email:${digest(email.trim().toLowerCase())}`;
  const ipKey = (ip: string) => `${prefix}:signin-failures:ip:${digest(ip)}`;
  return {
    async lockedFor(email, ip) {
      const replies = ((await redis.multi().get(emailKey(email)).get(ipKey(ip)).ttl(emailKey(email)).ttl(ipKey(ip)).exec()) ??
        []) as [unknown, string | number | null][];
      const [byEmail, byIp, ttlEmail, ttlIp] = replies.map(([, value]) => value);
      let wait = 0;
      if (Number(byEmail ?? 0) >= maxFailures) wait = Math.max(wait, Number(ttlEmail));
      if (Number(byIp ?? 0) >= maxFailures * 10) wait = Math.max(wait, Number(ttlIp));
      return wait > 0 ? wait : 0;
    },
    async failed(email, ip) {
      await redis
        .multi()
        .incr(emailKey(email))
        .expire(emailKey(email), lockSeconds, "NX")
        .incr(ipKey(ip))
        .expire(ipKey(ip), lockSeconds, "NX")
        .exec();
    },
    async succeeded(email) {
      await redis.del(emailKey(email));
    },
  };
}
