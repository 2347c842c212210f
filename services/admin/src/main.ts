import { type Config, loadConfig } from "@inbound/config";
import type { CallUseCaseDeps } from "@inbound/calls";
import { createDatabase, type Database } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { createQueues, createRedis, type Queues } from "@inbound/queue";

import { SecretBox } from "@inbound/security";
import { parseCommandLine } from "./args";
import { COMMANDS } from "./commands";
import { describeError, EXIT_OK } from "./errors";
import { createOrgChangeNotifier, type OrgChangeNotifier } from "./org-changes";

/** `pnpm admin <command> … [--json]`: one JSON object (or text) on stdout, or one `admin: …` line on stderr. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config: Config | undefined;
  let database: Database | undefined;
  let ingress: OrgChangeNotifier | undefined;
  let callQueues: { redis: ReturnType<typeof createRedis>; queues: Queues } | undefined;
  try {
    const commandLine = parseCommandLine(COMMANDS, argv);
    if (commandLine.kind === "help") {
      await write(process.stdout, `${commandLine.text}\n`);
      return EXIT_OK;
    }
    config = loadConfig(env);
    database = createDatabase({
      url: config.DATABASE_URL,
      poolSize: 2,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
      applicationName: "inbound-admin",
    });
    ingress = createOrgChangeNotifier({
      redisUrl: config.REDIS_URL,
      redisPrefix: config.REDIS_PREFIX,
      timeoutMs: config.REDIS_TIMEOUT_MS,
      cacheTtlSeconds: config.TOKEN_CACHE_TTL_SECONDS,
    });
    const output = await commandLine.run({
      config,
      prisma: database.prisma,
      secretBox: new SecretBox(config.SECRETS_KEY),
      ingress,
      calls() {
        const cfg = config as Config;
        const redis = createRedis({ url: cfg.REDIS_URL, timeoutMs: cfg.REDIS_TIMEOUT_MS, role: "client", name: "inbound-admin" });
        callQueues = { redis, queues: createQueues(redis, cfg.REDIS_PREFIX) };
        const warnings: string[] = [];
        // The use cases' warnings (ids only) become the command's one `admin: warning:` line, not log lines.
        const logger = createLogger(
          { level: "warn", name: "admin" },
          { write: (line: string) => void warnings.push(JSON.parse(line).msg) },
        );
        const deps: CallUseCaseDeps = { sql: (database as Database).pool, queues: callQueues.queues, logger, config: cfg };
        return { deps, warnings };
      },
    });
    await write(process.stdout, commandLine.json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`);
    if (output.warning) await write(process.stderr, `admin: warning: ${output.warning}\n`);
    return EXIT_OK;
  } catch (error) {
    const { exitCode, message } = describeError(error, config?.DATABASE_URL);
    await write(process.stderr, `admin: ${message}\n`);
    return exitCode;
  } finally {
    await ingress?.close();
    await callQueues?.queues.close();
    callQueues?.redis.disconnect();
    await database?.close();
  }
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
    // Everything is closed by now; a stray handle (a connect attempt still timing out) must not hold the CLI.
    setTimeout(() => process.exit(code), 1000).unref();
  });
}
