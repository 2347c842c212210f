import {
  ApiError,
  CALL_STATUSES,
  type CallStatus,
  LIST_CALLS_PARAMETERS,
  LIST_LIMIT_DEFAULT,
  LIST_LIMIT_MAX,
} from "@inbound/contracts";
import type { CallCursor, ListCallsQuery } from "@inbound/db";

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)$/i;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)~([A-Za-z0-9_-]{1,64})$/;
const KNOWN = new Set<string>(LIST_CALLS_PARAMETERS);

const invalid = (name: string, message: string) => new ApiError("invalid_parameter", message, name);

/** A call id as it may appear in a path; anything else cannot name a call (404, like an unknown id). */
export function isCallId(value: string): boolean {
  return ID.test(value);
}

/** The opaque cursor of the page after `call`: base64url of its (created_at, id), the list's sort key. */
export function encodeCursor(cursor: CallCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}~${cursor.id}`).toString("base64url");
}

function decodeCursor(value: string): CallCursor {
  const fail = () =>
    new ApiError("invalid_cursor", "starting_after must be the next_cursor of a previous page, unchanged.", "starting_after");
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) throw fail();
  const match = CURSOR.exec(Buffer.from(value, "base64url").toString("utf8"));
  const createdAt = match ? new Date(match[1] as string) : null;
  if (!match || !createdAt || Number.isNaN(createdAt.getTime())) throw fail();
  return { createdAt, id: match[2] as string };
}

function timestamp(name: string, value: string): Date {
  const date = RFC3339.test(value) ? new Date(value) : null;
  const year = date?.getUTCFullYear() ?? Number.NaN;
  if (!date || Number.isNaN(date.getTime()) || !(year >= 1 && year <= 9999)) {
    throw invalid(name, `${name} must be an RFC 3339 date-time with a time zone, e.g. 2026-11-30T09:00:00Z.`);
  }
  return date;
}

/**
 * The query of GET /v1/calls: only the documented parameters, each at most once; an empty value counts as
 * absent. Throws 400 unknown_parameter, invalid_parameter or invalid_cursor naming the parameter.
 */
export function parseListQuery(orgId: string, query: Record<string, unknown>): ListCallsQuery {
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (!KNOWN.has(name)) {
      throw new ApiError(
        "unknown_parameter",
        `${name.slice(0, 64)} is not a parameter of this list; use ${LIST_CALLS_PARAMETERS.join(", ")}.`,
        name.slice(0, 64),
      );
    }
    if (typeof raw !== "string") throw invalid(name, `${name} may be given once.`);
    if (raw !== "") values[name] = raw;
  }
  const list: ListCallsQuery = { orgId, limit: LIST_LIMIT_DEFAULT };
  if (values.limit !== undefined) {
    const limit = /^\d{1,4}$/.test(values.limit) ? Number(values.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= LIST_LIMIT_MAX)) {
      throw invalid("limit", `limit must be a whole number from 1 to ${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT}).`);
    }
    list.limit = limit;
  }
  if (values.status !== undefined) {
    if (!(CALL_STATUSES as readonly string[]).includes(values.status)) {
      throw invalid("status", `status must be one of: ${CALL_STATUSES.join(", ")}.`);
    }
    list.status = values.status as CallStatus;
  }
  if (values.agent_id !== undefined) {
    if (!ID.test(values.agent_id)) throw invalid("agent_id", "agent_id must be an agent id such as agt_….");
    list.agentId = values.agent_id;
  }
  if (values.created_after !== undefined) list.createdAfter = timestamp("created_after", values.created_after);
  if (values.created_before !== undefined) list.createdBefore = timestamp("created_before", values.created_before);
  if (values.starting_after !== undefined) list.startingAfter = decodeCursor(values.starting_after);
  return list;
}
