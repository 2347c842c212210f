import type { OrgPolicyRecord } from "@inbound/db";
import { type CallingHours, formatCallingHours } from "./calling-hours";
import { checkRedialPolicy, NO_REDIAL, type RedialPolicy } from "./redial-policy";

/**
 * An organisation's call-order policy (SPEC §9), with its defaults: calling hours 08:00–21:00 (TCPA) with the
 * guard on (off only for the `pnpm admin demo` organisation, or when turned off explicitly), 10 concurrent
 * calls, dedupe off (0 minutes), no redial.
 */
export interface OrderPolicy {
  orgId: string;
  callingHours: CallingHours;
  guard: boolean;
  guardChangedAt: Date | null;
  maxConcurrentCalls: number;
  dedupeWindowMinutes: number;
  defaultRetry: RedialPolicy;
  version: number;
}

export const DEFAULT_MAX_CONCURRENT_CALLS = 10;
export const MAX_CONCURRENT_CALLS_LIMIT = 1000;

export function toOrderPolicy(record: OrgPolicyRecord): OrderPolicy {
  const retry = record.defaultRetry ? checkRedialPolicy(record.defaultRetry) : NO_REDIAL;
  return {
    orgId: record.orgId,
    callingHours: { startMinute: record.callingHoursStart, endMinute: record.callingHoursEnd },
    guard: record.callingHoursGuard,
    guardChangedAt: record.callingHoursGuardChangedAt,
    maxConcurrentCalls: record.maxConcurrentCalls,
    dedupeWindowMinutes: record.dedupeWindowMinutes,
    defaultRetry: "error" in retry ? NO_REDIAL : retry,
    version: record.version,
  };
}

/** The policy as the CLI and REST show it. */
export function presentPolicy(policy: OrderPolicy, liveCalls?: number): Record<string, unknown> {
  return {
    org_id: policy.orgId,
    calling_hours: formatCallingHours(policy.callingHours),
    calling_hours_guard: policy.guard,
    calling_hours_guard_changed_at: policy.guardChangedAt?.toISOString() ?? null,
    max_concurrent_calls: policy.maxConcurrentCalls,
    ...(liveCalls === undefined ? {} : { concurrent_calls_in_use: liveCalls }),
    dedupe_window_minutes: policy.dedupeWindowMinutes,
    default_retry: policy.defaultRetry.max_attempts > 1 ? policy.defaultRetry : null,
  };
}
