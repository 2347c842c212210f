import path from "node:path";
import { ConfigError, loadConfig } from "@inbound/config";
import { migrate } from "@inbound/db";
import { checkPostgres, checkRedis } from "./local/preflight";
import { ensureLocalSecretsKey } from "./local/secrets-key";
import { supervise } from "./local/supervisor";

/**
 * `pnpm start`, no Docker: checks that Postgres and Redis answer (and says what to do when they do not),
 * creates the database if missing, migrates, then runs ingress and dialer as two child processes with
 * prefixed output. Ctrl-C or SIGTERM stops both; if one dies, the other is stopped and the exit is 1.
 */
const ROOT = path.resolve(__dirname, "..");
const SERVICES = [
  { name: "ingress", entry: "services/ingress/src/main.ts" },
  { name: "dialer", entry: "services/dialer/src/main.ts" },
  { name: "dashboard", entry: "services/dashboard/src/main.ts" },
];

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);
const fail = (line: string) => process.stderr.write(`[start] ${line}\n`);

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    // Never an all-zero key: a local one, generated once and kept (the services inherit it).
    const local = ensureLocalSecretsKey(process.env, process.cwd());
    if (local?.created) say(`generated a local SECRETS_KEY in ${local.file} (kept for the next runs; pnpm admin reads it too)`);
    else if (local) say(`using the local SECRETS_KEY in ${local.file}`);
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      fail(error.message);
      return 1;
    }
    throw error;
  }

  const checks = await Promise.all([
    checkPostgres(config.DATABASE_URL, config.DATABASE_TIMEOUT_MS),
    checkRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS),
  ]);
  let ready = true;
  for (const check of checks) {
    if (check.ok && check.note) say(check.note);
    if (!check.ok) {
      fail(check.problem);
      ready = false;
    }
  }
  if (!ready) return 1;

  try {
    const result = await migrate(config.DATABASE_URL, config.MIGRATIONS_DIR);
    say(
      result.applied.length
        ? `applied ${result.applied.length} migration(s): ${result.applied.join(", ")}`
        : `database is up to date (${result.alreadyApplied.length} migration(s))`,
    );
  } catch (error) {
    fail(`migrating failed: ${(error as Error).message}`);
    return 1;
  }

  const supervisor = supervise(
    SERVICES.map((s) => ({ name: s.name, args: ["--import", "tsx", path.join(ROOT, s.entry)] })),
    {
      cwd: ROOT,
      env: process.env,
      write: (line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`),
      // The services drain for SHUTDOWN_TIMEOUT_MS; give them that and a margin to close connections.
      stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS + 5000,
    },
  );
  say(
    `ingress (pid ${supervisor.pids.ingress}) on http://localhost:${config.INGRESS_PORT}, ` +
      `dialer (pid ${supervisor.pids.dialer}) health on port ${config.DIALER_PORT}, ` +
      `dashboard (pid ${supervisor.pids.dashboard}); Ctrl-C stops all three`,
  );
  say(`dashboard: open ${config.DASHBOARD_PUBLIC_URL} (\`pnpm admin demo\` prints a user to sign in with)`);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => supervisor.stop(signal));
  }
  const code = await supervisor.done;
  say(code === 0 ? "stopped" : "stopped with errors");
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    fail(`failed: ${(error as Error)?.message ?? String(error)}`);
    process.exit(1);
  },
);
