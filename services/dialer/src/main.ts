import { loadConfigOrExit } from "@inbound/config";
import { createLogger } from "@inbound/logging";
import { createDialerFromDeps, SHUTDOWN_GRACE_MS } from "./create-dialer";
import { buildDialerDeps } from "./deps";

/** `pnpm start:dialer`: one dialer replica. Run as many as needed; they share Postgres and Redis. */
async function main(): Promise<void> {
  const config = loadConfigOrExit("dialer");
  const logger = createLogger({ level: config.LOG_LEVEL, name: "dialer" });
  // The composition root: the infrastructure built once here, then wired into a dialer.
  const dialer = createDialerFromDeps(buildDialerDeps({ config, logger }));

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    logger.info({ signal }, "shutting down");
    // The last resort: whatever hangs, the process ends within the deadline (exit 1: something was left).
    setTimeout(
      () => {
        logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS }, "shutdown did not finish in time: exiting");
        process.exit(1);
      },
      config.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS + 1000,
    ).unref();
    dialer.stop().then(
      (report) => process.exit(report.clean ? 0 : 1),
      (error: unknown) => {
        logger.error({ err: (error as Error)?.message }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  await dialer.start().catch((error: unknown) => {
    if (signals > 0) return; // a stop began while starting (Redis away): the stop decides the exit
    throw error;
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`dialer: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
