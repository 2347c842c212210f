import { isDatabaseUnavailable } from "@inbound/db";

export interface BatcherOptions {
  /** Most items in one statement. */
  maxBatch?: number;
  /** Most statements of this batcher in flight at once (1 measured best: the larger batches cost Postgres least). */
  concurrency?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one kind of statement. With `concurrency` statements in flight, items that arrive wait
 * and then go together in ONE statement (one round trip, one commit); with fewer in flight an item goes at
 * once, so an idle dialer adds no latency and no timer. Hundreds of calls moving at the same moment (a
 * burst of jobs, calls of the same length ending together) then cost a few statements instead of hundreds.
 * `run` must answer one result per item, in order.
 */
export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, options: BatcherOptions = {}): (item: I) => Promise<O> {
  const maxBatch = options.maxBatch ?? 100;
  const concurrency = options.concurrency ?? 1;
  const waiting: Waiting<I, O>[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < concurrency && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      inFlight += 1;
      void runBatch(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  async function runBatch(batch: Waiting<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = await run(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      // One item Postgres refuses (or a deadlock between two batches) must not fail the others: each alone.
      await Promise.all(batch.map((w) => run([w.item]).then(([result]) => w.resolve(result as O), w.reject)));
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(results[i] as O);
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}
