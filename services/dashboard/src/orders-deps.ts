import type { OrdersDeps } from "@inbound/orders";
import type { DashboardDeps } from "./deps";

/** @inbound/orders' deps from the dashboard's: the same pool, and the dashboard's clock (tests inject one). */
export function ordersDeps(deps: DashboardDeps): OrdersDeps {
  const now = deps.clock ?? Date.now;
  return { sql: deps.db.pool, clock: { now: () => new Date(now()) } };
}
