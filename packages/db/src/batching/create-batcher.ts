import { StatementNotSentError } from "../calls/commit-outcome";
import { isDatabaseUnavailable } from "../unavailable";

export interface BatcherOptions {
  /** Most items in one statement. */
  maxBatch?: number;
  /** Most statements of this batcher in flight at once. */
  concurrency?: number;
  /**
   * When Postgres is unavailable, also fail everything waiting behind the failed batch at once (it would
   * only wait for the same timeout), instead of letting it try its own statement.
   */
  failWaitingWhenUnavailable?: boolean;
  /**
   * Most items waiting for a statement (not counting those in flight). An item arriving past it is refused
   * at once with BatcherFullError (answer 503 with Retry-After): under a flood the queue, the memory it holds
   * and every waiter's latency stay bounded instead of growing without limit. Unbounded when omitted.
   */
  maxWaiting?: number;
}

/** Thrown (at once, nothing was run) when a batcher already has maxWaiting items waiting. */
export class BatcherFullError extends Error {
  override readonly name = "BatcherFullError";
  constructor(readonly maxWaiting: number) {
    super(`too many statements waiting (${maxWaiting}); retry shortly`);
  }
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one kind of statement: `run` takes many items in ONE statement and answers one result
 * per item, in order. While `concurrency` statements are in flight, items that arrive wait and then go
 * together in the next one (up to `maxBatch`); with fewer in flight an item goes at once, so an idle
 * process adds no latency and no timer. Under load N round trips, statements and commits become one.
 *
 * Backpressure: with `maxWaiting`, an item that would wait behind that many others is refused at once
 * (BatcherFullError), before anything is run for it.
 *
 * Failures: Postgres unavailable fails the batch (and, with failWaitingWhenUnavailable, everything
 * waiting); any other error of a batch runs its items again one by one, so an item Postgres refuses (or a
 * deadlock between two batches) fails alone.
 */
export function createBatcher<I, O>(
  run: (items: I[]) => Promise<readonly O[]>,
  options: BatcherOptions = {},
): (item: I) => Promise<O> {
  const maxBatch = options.maxBatch ?? 100;
  const concurrency = options.concurrency ?? 1;
  const maxWaiting = options.maxWaiting ?? Number.POSITIVE_INFINITY;
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
    let results: readonly O[];
    try {
      results = await run(batch.map((w) => w.item));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const w of batch) w.reject(error);
        if (options.failWaitingWhenUnavailable) {
          const notSent = new StatementNotSentError(error);
          for (const w of waiting.splice(0)) w.reject(notSent);
        }
      } else if (batch.length === 1) {
        batch[0]?.reject(error);
      } else {
        await Promise.all(batch.map((w) => run([w.item]).then(([result]) => w.resolve(result as O), w.reject)));
      }
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(results[i] as O);
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (waiting.length >= maxWaiting && inFlight >= concurrency) {
        reject(new BatcherFullError(maxWaiting));
        return;
      }
      waiting.push({ item, resolve, reject });
      pump();
    });
}
