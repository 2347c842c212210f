import { type SqlClient, sweepWebhookLog } from "@inbound/db";
import type { Logger } from "@inbound/logging";

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
