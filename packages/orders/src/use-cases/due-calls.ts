import { promoteDueCalls, unparkCalls } from "@inbound/db";
import type { OrdersDeps } from "./deps";

export interface DueCallsReport {
  /** Scheduled calls that came due: now queued. */
  promoted: string[];
  /** Calls that waited for a slot of their organisation: handed to the queue again. */
  unparked: string[];
  /** Of those, the ones whose job could not be added (Redis away): the reconciler enqueues them later. */
  notEnqueued: string[];
}

/**
 * One round of the call-order ticker (every dialer, every ORDERS_TICK_MS): scheduled calls that came due by
 * the clock become queued (one statement, the due_at index), calls parked for a slot get one when their
 * organisation has room (one statement), and each gets its job (ids only) after the commit. No per-call
 * polling: a round costs two index scans whatever the number of calls scheduled for later. Everything is in
 * Postgres first: a job that fails to be added (Redis away) leaves an ordinary queued call the reconciler
 * enqueues, so a Redis loss never loses a scheduled call.
 */
export async function runDueCalls(
  deps: OrdersDeps & { enqueue: (job: { callId: string; orgId: string }) => Promise<unknown>; batch?: number },
): Promise<DueCallsReport> {
  const batch = deps.batch ?? 500;
  const promoted = await promoteDueCalls(deps.sql, { now: deps.clock.now(), limit: batch });
  const unparked = await unparkCalls(deps.sql, { limit: batch });
  const notEnqueued: string[] = [];
  for (const call of [...promoted, ...unparked]) {
    try {
      await deps.enqueue({ callId: call.id, orgId: call.orgId });
    } catch {
      notEnqueued.push(call.id);
    }
  }
  return { promoted: promoted.map((c) => c.id), unparked: unparked.map((c) => c.id), notEnqueued };
}
