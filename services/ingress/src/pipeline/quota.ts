export interface QuotaState {
  limit: number;
  used: number;
  remaining: number;
  /** Seconds until the counter resets (next 00:00 UTC). */
  resetSeconds: number;
  exceeded: boolean;
}

export interface QuotaWindow {
  /** The UTC day, YYYYMMDD. */
  day: string;
  /** Seconds until the next 00:00 UTC (at least 1). */
  resetSeconds: number;
}

const DAY_MS = 86_400_000;

let lastDay = { index: Number.NaN, name: "" };

export function quotaWindow(nowMs: number): QuotaWindow {
  const index = Math.floor(nowMs / DAY_MS);
  // Formatted once per day, not once per request.
  if (index !== lastDay.index) lastDay = { index, name: new Date(index * DAY_MS).toISOString().slice(0, 10).replaceAll("-", "") };
  const resetSeconds = Math.max(1, Math.ceil(((index + 1) * DAY_MS - nowMs) / 1000));
  return { day: lastDay.name, resetSeconds };
}

/** The organisation's counter of the day; it expires an hour after the day ends. */
export function quotaKey(prefix: string, orgId: string, window: QuotaWindow): string {
  return `${prefix}:quota:${orgId}:${window.day}`;
}

export function quotaTtlSeconds(window: QuotaWindow): number {
  return window.resetSeconds + 3600;
}

export function quotaState(limit: number, used: number, window: QuotaWindow): QuotaState {
  return {
    limit,
    used,
    remaining: Math.max(0, limit - used),
    resetSeconds: window.resetSeconds,
    exceeded: used > limit,
  };
}

/** The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers), sent on every authenticated response. */
export function rateLimitHeaders(state: QuotaState): Record<string, string> {
  return {
    "RateLimit-Policy": `"daily";q=${state.limit};w=86400`,
    RateLimit: `"daily";r=${state.remaining};t=${state.resetSeconds}`,
  };
}
