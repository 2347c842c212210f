import { CALL_STATUSES, type CallStatus } from "@inbound/contracts";

/**
 * The SQL literal of statuses, e.g. `'dialing'::call_status, 'ringing'::call_status` for `status IN (…)`,
 * built from a set of packages/contracts/src/call-status.ts so SQL and TypeScript share one list. Statement
 * text is fixed at module load (named prepared statements keep their plan); throws on a name that is no
 * status (the values are never user input).
 */
export function statusListSql(statuses: Iterable<CallStatus>): string {
  const list = [...statuses];
  for (const status of list) if (!CALL_STATUSES.includes(status)) throw new Error(`not a call status: ${status}`);
  return list.map((status) => `'${status}'::call_status`).join(", ");
}
