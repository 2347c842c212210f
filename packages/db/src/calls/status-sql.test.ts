import { type CallStatus, LIVE_STATUSES, TERMINAL_STATUSES } from "@inbound/contracts";
import { statusListSql } from "./status-sql";

test("statusListSql: the set's statuses, in order, as call_status literals", () => {
  expect(statusListSql(LIVE_STATUSES)).toBe("'dialing'::call_status, 'ringing'::call_status, 'in_progress'::call_status");
  expect(statusListSql(TERMINAL_STATUSES).split(", ")).toHaveLength(TERMINAL_STATUSES.size);
});

test("statusListSql refuses a name that is no status (nothing but a status reaches the statement text)", () => {
  expect(() => statusListSql(["dialing", "x'); DROP TABLE calls; --" as CallStatus])).toThrow("not a call status");
});
