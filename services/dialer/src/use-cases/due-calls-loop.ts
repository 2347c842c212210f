import type { SqlClient } from "@inbound/db";
import { errorCode, type PeriodicLoop, startPeriodic } from "@inbound/logging";
import { runDueCalls } from "@inbound/orders";
import { enqueueCall, type Queues } from "@inbound/queue";
import type { DialerContext } from "../context";

/**
 * Every dialer, every ORDERS_TICK_MS: one round of @inbound/orders' runDueCalls — the scheduled calls that
 * came due by the dialer's clock become queued and get their job, and calls parked over their organisation's
 * max_concurrent_calls get a freed slot (oldest first). Two index scans a round whatever the number of calls
 * scheduled for later; nothing polls per call. A round that fails (Postgres away) is tried at the next tick;
 * a job that could not be added (Redis away) is left to the reconciler (the call is queued in Postgres).
 */
export function startDueCallsLoop(
  ctx: DialerContext,
  options: { sql: SqlClient; queues: Queues; intervalMs: number },
): PeriodicLoop {
  const round = async () => {
    try {
      const report = await runDueCalls({
        sql: options.sql,
        clock: ctx.clock,
        enqueue: async (job) => {
          // The call's previous job (the one that deferred or parked it) is kept a while after it finished,
          // and BullMQ ignores an add of a kept id: remove it first (a job still active is left; the
          // reconciler enqueues the call once it finished, after RECONCILE_AFTER_MS).
          await options.queues.calls.remove(job.callId).catch(() => 0);
          await enqueueCall(options.queues, job);
        },
      });
      if (report.promoted.length > 0 || report.unparked.length > 0) {
        ctx.logger.info(
          { promoted: report.promoted.length, unparked: report.unparked.length, notEnqueued: report.notEnqueued.length },
          "call orders: due and waiting calls queued",
        );
      }
    } catch (error) {
      ctx.logger.warn({ err: errorCode(error) }, "call orders: round failed; retrying at the next tick");
    }
  };
  return startPeriodic("call-orders", options.intervalMs, round, ctx.logger, { jitter: false });
}
