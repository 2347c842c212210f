import type { Logger } from "./create-logger";

export interface PeriodicLoop {
  /** No pass starts after this; resolves once the pass in progress (if any) has settled. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every intervalMs, jittered ±25 % so that N replicas spread out (unless `jitter: false`), never
 * two passes at once (the next is scheduled when one settles). A failing pass is logged once per change of
 * message (Postgres or Redis away: the next pass retries) and never stops the loop.
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  work: () => Promise<unknown>,
  logger: Logger,
  options: { jitter?: boolean } = {},
): PeriodicLoop {
  const spread = options.jitter === false ? () => 1 : () => 0.75 + Math.random() * 0.5;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastError = "";
  const pass = () =>
    work().then(
      () => {
        lastError = "";
      },
      (error: unknown) => {
        const message = (error as Error)?.message ?? String(error);
        if (message !== lastError) logger.warn({ loop: name, err: message }, "periodic pass failed; retrying");
        lastError = message;
      },
    );
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, intervalMs * spread());
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
