import { handOffDueMessages, type MessageHandoff, type SqlClient, sweepWebhookLog } from "@inbound/db";
import type { Logger } from "@inbound/logging";

export interface RelayOptions {
  perEndpoint: number;
  leaseMs: number;
  batchSize?: number;
}

/**
 * One relay pass: hands committed, due messages to delivery jobs (see handOffDueMessages: at most
 * perEndpoint in flight per endpoint, leases so nothing handed over is lost) and enqueues them. Repeats while
 * it fills whole batches. Returns how many were handed over.
 */
export async function relayOnce(
  sql: SqlClient,
  enqueue: (jobs: MessageHandoff[]) => Promise<void>,
  options: RelayOptions,
): Promise<number> {
  const limit = options.batchSize ?? 500;
  let total = 0;
  for (let round = 0; round < 20; round++) {
    const handed = await handOffDueMessages(sql, { perEndpoint: options.perEndpoint, limit, leaseMs: options.leaseMs });
    if (handed.length > 0) await enqueue(handed);
    total += handed.length;
    if (handed.length < limit) break;
  }
  return total;
}

/**
 * Runs `work` every intervalMs (jittered), never two at once; errors are logged once per change of message
 * (Postgres or Redis away: the next pass retries). stop() waits for the pass in progress.
 */
export function startLoop(name: string, intervalMs: number, work: () => Promise<unknown>, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastError = "";
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = work()
          .then(
            () => {
              lastError = "";
            },
            (error: unknown) => {
              const message = (error as Error)?.message ?? String(error);
              if (message !== lastError) logger.warn({ loop: name, err: message }, "webhook loop pass failed; retrying");
              lastError = message;
            },
          )
          .finally(schedule);
      },
      intervalMs * (0.75 + Math.random() * 0.5),
    );
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}

/** Deletes the delivery log and finished messages older than the retention, in batches. */
export async function sweepOnce(sql: SqlClient, retentionDays: number): Promise<number> {
  let total = 0;
  for (let round = 0; round < 50; round++) {
    const n = await sweepWebhookLog(sql, { olderThanMs: retentionDays * 24 * 3600 * 1000, limit: 5000 });
    total += n;
    if (n === 0) break;
  }
  return total;
}
