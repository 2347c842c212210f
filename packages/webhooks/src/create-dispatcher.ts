import type { ClaimedMessage } from "@inbound/db";
import type { Logger } from "@inbound/logging";

export interface DispatcherOptions {
  /** Claims up to `limit` due messages (claimDueMessages: per-endpoint bound and leases across processes). */
  claim(limit: number): Promise<ClaimedMessage[]>;
  /** One attempt, its recording included; settles when the message's lease is released. */
  deliver(message: ClaimedMessage): Promise<unknown>;
  /** Most attempts of this process in flight at once (WEBHOOK_CONCURRENCY). */
  capacity: number;
  /** How often to look for due messages when nothing finishes (WEBHOOK_RELAY_INTERVAL_MS), jittered. */
  intervalMs: number;
  logger: Logger;
}

export interface Dispatcher {
  start(): void;
  /** Stops claiming and waits for the attempts in flight (each bounded by the timeout) to be recorded. */
  stop(): Promise<void>;
  /** Claims and starts what is due now, as far as free slots allow; returns how many were claimed. */
  pass(): Promise<number>;
  readonly running: boolean;
  readonly inFlight: number;
}

/**
 * The delivery loop of one process, without a queue between Postgres and the POSTs: it claims due messages
 * in batches (one statement for as many as it has free slots), starts their attempts, and claims again as
 * soon as attempts finish (their recording commits, in batches, release their leases and the endpoint's
 * slots) or every intervalMs when idle. At least once comes from the claims' leases, not from a job queue:
 * whatever a dead process held is claimed again when its lease runs out.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  let inFlight = 0;
  let running = false;
  let woken = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> = Promise.resolve();
  const attempts = new Set<Promise<unknown>>();
  let lastError = "";

  const signal = () => {
    woken = true;
    wake?.();
  };

  async function pass(): Promise<number> {
    const free = options.capacity - inFlight;
    if (free <= 0) return 0;
    const claimed = await options.claim(free);
    for (const message of claimed) {
      inFlight += 1;
      const attempt: Promise<unknown> = options
        .deliver(message)
        .catch((error: unknown) =>
          options.logger.warn({ err: (error as Error)?.message }, "webhook attempt not recorded; retried after its lease"),
        )
        .finally(() => {
          inFlight -= 1;
          attempts.delete(attempt);
          signal();
        });
      attempts.add(attempt);
    }
    return claimed.length;
  }

  // Woken by finished attempts, claim only once a fifth of the slots are free: fewer, fuller claims.
  const minClaim = Math.max(1, Math.floor(options.capacity / 5));
  let byTimer = true;

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      try {
        if (byTimer || options.capacity - inFlight >= minClaim) await pass();
        lastError = "";
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        if (message !== lastError) options.logger.warn({ err: message }, "webhook claim failed; retrying");
        lastError = message;
        woken = false; // Postgres away: wait for the timer, not for the next attempt to finish
      }
      if (!running) break;
      byTimer = false;
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(
            () => {
              byTimer = true;
              resolve();
            },
            options.intervalMs * (0.75 + Math.random() * 0.5),
          );
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      // Attempts finish in bursts (one recording statement settles many): let the burst settle, claim once.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      signal();
      await loop;
      await Promise.allSettled([...attempts]);
    },
    pass,
    get running() {
      return running;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
