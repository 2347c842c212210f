import { ApiError } from "@inbound/contracts";
import { countLiveCalls, type OrgPolicyChange, readOrgPolicy, updateOrgPolicy } from "@inbound/db";
import { parseCallingHours } from "../calling-hours";
import { MAX_DEDUPE_WINDOW_MINUTES } from "../dedupe";
import { MAX_CONCURRENT_CALLS_LIMIT, presentPolicy, toOrderPolicy } from "../order-policy";
import { checkRedialPolicy } from "../redial-policy";
import type { OrdersDeps } from "./deps";

/** A policy change as the CLI, REST and the dashboard give it (snake_case, every field optional). */
export interface PolicyInput {
  calling_hours?: { start: string; end: string };
  calling_hours_guard?: boolean;
  max_concurrent_calls?: number;
  dedupe_window_minutes?: number;
  /** null = never redial. */
  default_retry?: { on?: string[]; max_attempts?: number; backoff_minutes?: number[] } | null;
}

function organizationNotFound(): ApiError {
  return new ApiError("organization_not_found", "No organisation has this id.", "org");
}

/** `org policy show`: the organisation's policy, with how many calls are live now. */
export async function showOrgPolicy(deps: OrdersDeps, orgId: string): Promise<Record<string, unknown>> {
  const record = await readOrgPolicy(deps.sql, orgId);
  if (!record) throw organizationNotFound();
  return presentPolicy(toOrderPolicy(record), await countLiveCalls(deps.sql, orgId));
}

/**
 * `org policy set`: validates every field first (400 invalid_policy naming it; nothing changes), then ONE
 * update that bumps the policy version (creates planned with the old one are re-planned) and records when the
 * calling-hours guard was turned off or on.
 */
export async function setOrgPolicy(deps: OrdersDeps, orgId: string, input: PolicyInput): Promise<Record<string, unknown>> {
  const change: OrgPolicyChange = {};
  const invalid = (field: string, message: string) => new ApiError("invalid_policy", message, field);
  if (input.calling_hours !== undefined) {
    const hours = parseCallingHours(input.calling_hours);
    if ("error" in hours) throw invalid("calling_hours", `calling_hours.${hours.error}.`);
    change.callingHoursStart = hours.startMinute;
    change.callingHoursEnd = hours.endMinute;
  }
  if (input.calling_hours_guard !== undefined) {
    if (typeof input.calling_hours_guard !== "boolean") throw invalid("calling_hours_guard", "calling_hours_guard must be true or false.");
    change.callingHoursGuard = input.calling_hours_guard;
  }
  if (input.max_concurrent_calls !== undefined) {
    const n = input.max_concurrent_calls;
    if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENT_CALLS_LIMIT) {
      throw invalid("max_concurrent_calls", `max_concurrent_calls must be an integer from 1 to ${MAX_CONCURRENT_CALLS_LIMIT}.`);
    }
    change.maxConcurrentCalls = n;
  }
  if (input.dedupe_window_minutes !== undefined) {
    const n = input.dedupe_window_minutes;
    if (!Number.isInteger(n) || n < 0 || n > MAX_DEDUPE_WINDOW_MINUTES) {
      throw invalid("dedupe_window_minutes", `dedupe_window_minutes must be an integer from 0 (off) to ${MAX_DEDUPE_WINDOW_MINUTES}.`);
    }
    change.dedupeWindowMinutes = n;
  }
  if (input.default_retry !== undefined) {
    if (input.default_retry === null) change.defaultRetry = null;
    else {
      const retry = checkRedialPolicy(input.default_retry);
      if ("error" in retry) throw invalid(`default_retry.${retry.field}`, `default_${retry.error}.`);
      change.defaultRetry = retry.max_attempts > 1 ? { ...retry } : null;
    }
  }
  const updated = await updateOrgPolicy(deps.sql, orgId, change);
  if (!updated) throw organizationNotFound();
  return presentPolicy(toOrderPolicy(updated), await countLiveCalls(deps.sql, orgId));
}
