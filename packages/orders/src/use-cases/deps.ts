import type { SqlClient } from "@inbound/db";
import type { Clock } from "../clock";

/** What the call-order use cases need: where statements run, and the clock. */
export interface OrdersDeps {
  sql: SqlClient;
  clock: Clock;
}
