import path from "node:path";
import { ConfigError, loadConfig } from "@inbound/config";
import { migrate } from "@inbound/db";
import { dockerAvailable, type LocalServer, startLocalPostgres, startLocalRedis } from "@inbound/testing";
import { checkPostgres, checkRedis, maskUrl } from "./local/preflight";
import { ensureLocalSecretsKey } from "./local/secrets-key";
import { supervise } from "./local/supervisor";

/**
 * `pnpm start`: checks that Postgres and Redis answer; when nothing answers at a local DATABASE_URL / REDIS_URL
 * and Docker is available, starts them in Docker (the tests' images and Testcontainers modules, data in named
 * volumes) for this session; otherwise says what to do. Creates the database if missing, migrates, then runs ingress and dialer as two child processes with
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

/** Postgres and Redis this run started in Docker: stopped when it ends (their volumes stay). */
const local: LocalServer[] = [];

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

  const preflight = () =>
    Promise.all([
      checkPostgres(config.DATABASE_URL, config.DATABASE_TIMEOUT_MS),
      checkRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS),
    ]);
  let checks = await preflight();
  const down = checks.map((c) => !c.ok && c.localAndDown === true);
  if (down.some(Boolean)) {
    const docker = await dockerAvailable(process.env);
    if (docker.ok) {
      try {
        if (down[0]) {
          say(`nothing answers at ${maskUrl(config.DATABASE_URL)}: starting Postgres in Docker…`);
          local.push(await startLocalPostgres(config.DATABASE_URL, process.env));
        }
        if (down[1]) {
          say(`nothing answers at ${maskUrl(config.REDIS_URL)}: starting Redis in Docker…`);
          local.push(await startLocalRedis(config.REDIS_URL, process.env));
        }
      } catch (error) {
        fail(`starting Postgres/Redis in Docker failed: ${(error as Error).message}`);
        return 1;
      }
      say(
        `running in Docker for this session: ${local.map((l) => `${l.image} (data in volume ${l.volume})`).join(", ")}; ` +
          "the data is kept across restarts. To use your own servers instead, start them and set DATABASE_URL / REDIS_URL " +
          "(nothing is started when they answer), or set LOCAL_CONTAINERS=false.",
      );
      checks = await preflight();
    } else if (docker.why !== "LOCAL_CONTAINERS=false") {
      say(`Docker is not available (${docker.why}), so Postgres and Redis were not started for you.`);
    }
  }
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

async function stopLocal(): Promise<void> {
  if (local.length === 0) return;
  await Promise.all(local.map((l) => l.stop()));
  say(`stopped ${local.map((l) => l.image).join(" and ")} (the data stays in ${local.map((l) => l.volume).join(", ")})`);
}

main().then(
  async (code) => {
    await stopLocal();
    process.exit(code);
  },
  async (error: unknown) => {
    fail(`failed: ${(error as Error)?.message ?? String(error)}`);
    await stopLocal();
    process.exit(1);
  },
);
