import { ApiError, contactNumberMessage, normalizePhoneNumber } from "@inbound/contracts";
import { addOptOut, listOptOuts, type OptOutRecord, removeOptOut } from "@inbound/db";
import type { OrdersDeps } from "./deps";

/** Where an opt-out came from, recorded with it. */
export type OptOutSource = "cli" | "rest" | "dashboard";

export const OPT_OUT_LIST_LIMIT_DEFAULT = 50;
export const OPT_OUT_LIST_LIMIT_MAX = 500;

/** The number in E.164 (formatted numbers accepted, as on call.create), or 400 invalid_contact_number. */
function e164(number: unknown, field: string): string {
  const check = typeof number === "string" ? normalizePhoneNumber(number) : ({ ok: false, reason: "invalid" } as const);
  if (!check.ok)
    throw new ApiError("invalid_contact_number", contactNumberMessage(check.reason).replace("contact_number", field), field);
  return check.e164;
}

export function presentOptOut(optOut: OptOutRecord): Record<string, unknown> {
  return { number: optOut.number, source: optOut.source, created_at: optOut.createdAt.toISOString() };
}

/**
 * Adds a number to the organisation's do-not-call list and cancels every scheduled, queued or retry-pending
 * call to it (dialing, waiting for the retry of a transient provider error; a scheduled redial is scheduled)
 * in ONE statement; the answer says how many were canceled and which. Adding a
 * listed number again is not an error (`added: false`). `field` names the number as the interface spells it.
 */
export async function addOptOutUseCase(
  deps: OrdersDeps,
  input: { orgId: string; number: unknown; source: OptOutSource; field?: string },
): Promise<Record<string, unknown>> {
  const number = e164(input.number, input.field ?? "number");
  const result = await addOptOut(deps.sql, { orgId: input.orgId, number, source: input.source });
  if (!result) throw new ApiError("organization_not_found", "No organisation has this id.", "org");
  return {
    ...presentOptOut(result.optOut),
    added: result.added,
    canceled_calls: result.canceledCallIds.length,
    canceled_call_ids: result.canceledCallIds,
  };
}

/** Removes a number from the list: 404 opt_out_not_found when it is not listed. */
export async function removeOptOutUseCase(
  deps: OrdersDeps,
  input: { orgId: string; number: unknown; field?: string },
): Promise<Record<string, unknown>> {
  const number = e164(input.number, input.field ?? "number");
  if (!(await removeOptOut(deps.sql, { orgId: input.orgId, number }))) {
    throw new ApiError("opt_out_not_found", "This number is not on the organisation's opt-out list.", input.field ?? "number");
  }
  return { number, removed: true };
}

/** A page of the list, by number; `starting_after` is the last number of the previous page. */
export async function listOptOutsUseCase(
  deps: OrdersDeps,
  input: { orgId: string; limit?: number; startingAfter?: string | null },
): Promise<{ data: Record<string, unknown>[]; has_more: boolean; next_cursor: string | null }> {
  const limit = input.limit ?? OPT_OUT_LIST_LIMIT_DEFAULT;
  const page = await listOptOuts(deps.sql, { orgId: input.orgId, after: input.startingAfter ?? null, limit });
  const last = page.optOuts[page.optOuts.length - 1];
  return {
    data: page.optOuts.map(presentOptOut),
    has_more: page.hasMore,
    next_cursor: page.hasMore && last ? last.number : null,
  };
}
