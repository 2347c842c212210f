import { ConfigError, loadConfig } from "@inbound/config";
import { createLogger } from "@inbound/logging";
import { createDialer } from "./create-dialer";

/** `pnpm start:dialer`: one dialer replica. Run as many as needed; they share Postgres and Redis. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`dialer: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: "dialer" });
  const dialer = createDialer({ config, logger });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    logger.info({ signal }, "shutting down");
    dialer.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: (error as Error)?.message }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  await dialer.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`dialer: failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
