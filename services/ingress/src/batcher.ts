import { isDatabaseUnavailable } from "@inbound/db";

export interface BatcherOptions {
  /** Most items in one statement. */
  maxBatch?: number;
  /** Most statements in flight at once. */
  concurrency?: number;
}

interface Waiting<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: `run` takes many inputs in ONE statement and returns one output per input, in order. While
 * `concurrency` statements are in flight, what arrives waits and goes together in the next one (up to
 * maxBatch); with nothing in flight an input goes at once, so an idle ingress adds no latency and no timer.
 * Under load that turns N round trips, N statements and N commits into one of each.
 *
 * Failures: Postgres unavailable fails the batch and everything waiting (they would only wait for the same
 * timeout); any other error of a batch runs its inputs again one by one, so an input Postgres refuses
 * fails alone.
 */
export function createBatcher<I, O>(
  run: (inputs: readonly I[]) => Promise<readonly O[]>,
  options: BatcherOptions = {},
): (input: I) => Promise<O> {
  const maxBatch = options.maxBatch ?? 64;
  const concurrency = options.concurrency ?? 2;
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
    let outputs: readonly O[];
    try {
      outputs = await run(batch.map((w) => w.input));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const w of [...batch, ...waiting.splice(0)]) w.reject(error);
      } else if (batch.length === 1) {
        batch[0]?.reject(error);
      } else {
        await Promise.all(batch.map((w) => run([w.input]).then(([output]) => w.resolve(output as O), w.reject)));
      }
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(outputs[i] as O);
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      pump();
    });
}
