import type { Redis } from "ioredis";

/**
 * The Redis key whose value changes whenever an admin operation changes what ingress caches about an
 * organisation (its webhook tokens, signature verification and signing secrets, daily quota).
 */
export function orgEpochKey(prefix: string, orgId: string): string {
  return `${prefix}:org-epoch:${orgId}`;
}

/**
 * Bumps the organisation's epoch: every ingress replica drops what it cached about the organisation on its
 * next request. Call it AFTER the change is committed in Postgres; it throws if Redis does not answer.
 */
export async function bumpOrgEpoch(redis: Redis, prefix: string, orgId: string): Promise<number> {
  return redis.incr(orgEpochKey(prefix, orgId));
}
