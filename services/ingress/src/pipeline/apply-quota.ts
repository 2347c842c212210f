import { ApiError } from "@inbound/contracts";
import type { Response } from "express";
import type { IngressMetrics } from "../metrics";
import { type QuotaState, rateLimitHeaders } from "./quota";

/**
 * After authentication, for both transports: the IETF RateLimit fields on the response, and 429 with
 * Retry-After (seconds to 00:00 UTC) once the organisation's daily quota is used up.
 */
export function applyQuota(res: Response, quota: QuotaState, metrics: IngressMetrics): void {
  res.set(rateLimitHeaders(quota));
  if (quota.exceeded) {
    metrics.quotaRefused.inc();
    throw new ApiError(
      "daily_quota_exceeded",
      `The organisation's daily quota of ${quota.limit} requests is used up; it resets at 00:00 UTC.`,
      undefined,
      {},
      { "Retry-After": String(quota.resetSeconds) },
    );
  }
}
