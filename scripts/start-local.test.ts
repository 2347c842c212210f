import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import {
  createSuiteEnv,
  eventually,
  freePort,
  queryOnce as query,
  type SuiteEnv,
  startProcess,
  withDatabase,
} from "@inbound/testing";

const adminUrl = () => process.env.TEST_PG_ADMIN_URL as string;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

test("with Postgres and Redis unreachable it exits 1 saying what to start or set, without a stack trace", async () => {
  const run = startProcess("scripts/start-local.ts", {
    DATABASE_URL: "postgresql://postgres:s3cret@127.0.0.1:1/inbound_calls",
    REDIS_URL: "redis://127.0.0.1:2",
    // As on a machine without Docker: nothing is started.
    LOCAL_CONTAINERS: "false",
  });
  expect((await run.exited).code).toBe(1);
  const output = run.output();
  expect(output).toContain("Postgres is not reachable at postgresql://postgres:***@127.0.0.1:1/inbound_calls");
  expect(output).toMatch(/Start it \(docker run .*postgres:17, or your own server\) or set DATABASE_URL\./);
  expect(output).toContain("Redis is not reachable at redis://127.0.0.1:2");
  expect(output).toMatch(/or set REDIS_URL\./);
  expect(output).not.toContain("s3cret");
  expect(output).not.toMatch(/\n\s+at /);
});

test("without SECRETS_KEY outside production it generates a local key once (0600) and keeps it on the next start", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "start-local-"));
  const file = path.join(dir, "nested", "secrets-key");
  // Postgres and Redis unreachable: the run stops right after the key and the preflight.
  const env = {
    LOCAL_CONTAINERS: "false",
    NODE_ENV: "development",
    SECRETS_KEY: "",
    SECRETS_KEY_FILE: file,
    DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:1/inbound_calls",
    REDIS_URL: "redis://127.0.0.1:2",
  };
  const first = startProcess("scripts/start-local.ts", env);
  expect((await first.exited).code).toBe(1);
  expect(first.output()).toContain(`generated a local SECRETS_KEY in ${file}`);
  const key = readFileSync(file, "utf8").trim();
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  expect(key).not.toMatch(/^0+$/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(first.output()).not.toContain(key);

  const second = startProcess("scripts/start-local.ts", env);
  expect((await second.exited).code).toBe(1);
  expect(second.output()).toContain(`using the local SECRETS_KEY in ${file}`);
  expect(readFileSync(file, "utf8").trim()).toBe(key);
});

describe("with the suite's Postgres and Redis", () => {
  let suite: SuiteEnv;
  const database = `start_local_${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    suite = await createSuiteEnv();
  });
  afterAll(async () => {
    await query(adminUrl(), `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    await suite.close();
  });

  test("it creates the database, migrates, runs ingress, dialer and dashboard with prefixed output, and SIGTERM stops them", async () => {
    const [ingressPort, dialerPort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
    const databaseUrl = withDatabase(adminUrl(), database);
    const run = startProcess("scripts/start-local.ts", {
      ...suite.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "info",
      INGRESS_PORT: String(ingressPort),
      DIALER_PORT: String(dialerPort),
      DASHBOARD_PORT: String(dashboardPort),
    });
    try {
      await run.waitFor(new RegExp(`created database "${database}"`), 30_000);
      await run.waitFor(/applied \d+ migration/, 30_000);
      await eventually(() => answers(`http://127.0.0.1:${ingressPort}/healthz`), 60_000);
      await eventually(() => answers(`http://127.0.0.1:${dialerPort}/healthz`), 60_000);
      await eventually(() => answers(`http://127.0.0.1:${dashboardPort}/healthz`), 60_000);
      await run.waitFor(new RegExp(`dashboard: open http://localhost:${dashboardPort}`));
      await run.waitFor(/^\[ingress\] /m);
      await run.waitFor(/^\[dialer\] /m);
    } catch (error) {
      await run.stop("SIGKILL");
      throw error;
    }
    const tables = await query<{ tablename: string }>(databaseUrl, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(["calls", "organizations"]));

    const started = Date.now();
    const exit = await run.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    // SHUTDOWN_TIMEOUT_MS is 3 s in the suite's environment; the supervisor's own deadline is 5 s later.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await answers(`http://127.0.0.1:${ingressPort}/healthz`)).toBe(false);
    expect(await answers(`http://127.0.0.1:${dialerPort}/healthz`)).toBe(false);
    expect(await answers(`http://127.0.0.1:${dashboardPort}/healthz`)).toBe(false);

    const lines = run.output().split("\n").filter(Boolean);
    expect(lines.filter((line) => !/^\[(start|ingress|dialer|dashboard)\] /.test(line))).toEqual([]);
    expect(run.output()).toContain("[start] SIGTERM: stopping ingress");
    expect(run.output()).toMatch(/\[start\] stopped\n/);
  });
});

test("with Docker and nothing answering it starts Postgres and Redis in Docker (the tests' images), keeps the data in named volumes across restarts, and stops them", async () => {
  const suffix = randomBytes(4).toString("hex");
  const prefix = `start-local-test-${suffix}`;
  const [postgresPort, redisPort, ingressPort, dialerPort, dashboardPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const databaseUrl = `postgresql://postgres:pw${suffix}@127.0.0.1:${postgresPort}/inbound_calls`;
  const env = {
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    SHUTDOWN_TIMEOUT_MS: "3000",
    SECRETS_KEY: "ab".repeat(32),
    DATABASE_URL: databaseUrl,
    REDIS_URL: `redis://:rpw${suffix}@127.0.0.1:${redisPort}`,
    LOCAL_VOLUME_PREFIX: prefix,
    INGRESS_PORT: String(ingressPort),
    INGRESS_INTERNAL_PORT: "0",
    DIALER_PORT: String(dialerPort),
    DASHBOARD_PORT: String(dashboardPort),
  };
  const image = process.env.TEST_POSTGRES_IMAGE || "postgres:17-alpine";
  const volumes = [
    `${prefix}-postgres-${image.replace(/[^A-Za-z0-9_.-]+/g, "-")}`,
    `${prefix}-redis-${(process.env.TEST_REDIS_IMAGE || "redis:7-alpine").replace(/[^A-Za-z0-9_.-]+/g, "-")}`,
  ];
  const runOnce = async (expected: RegExp) => {
    const run = startProcess("scripts/start-local.ts", env);
    try {
      await run.waitFor(/starting Postgres in Docker/, 30_000);
      await run.waitFor(/starting Redis in Docker/, 120_000);
      await run.waitFor(/running in Docker for this session/, 120_000);
      await run.waitFor(expected, 60_000);
      await eventually(() => answers(`http://127.0.0.1:${dashboardPort}/healthz`), 90_000);
    } catch (error) {
      await run.stop("SIGKILL");
      throw new Error(`${(error as Error).message}\n${run.output().slice(-3000)}`);
    }
    expect(await run.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    return run.output();
  };
  try {
    const first = await runOnce(/applied \d+ migration/);
    expect(first).toContain(`${image} (data in volume ${volumes[0]})`);
    expect(first).toContain("To use your own servers instead, start them and set DATABASE_URL / REDIS_URL");
    expect(first).not.toContain(`pw${suffix}`);
    expect(first).toMatch(/\[start\] stopped .* \(the data stays in /);
    // Stopped with pnpm start: nothing answers there any more.
    await expect(query(databaseUrl, "SELECT 1")).rejects.toThrow();

    // The second start finds the migrated database in the volume.
    const second = await runOnce(/database is up to date/);
    expect(second).not.toMatch(/applied \d+ migration/);
  } finally {
    execFileSync("docker", ["volume", "rm", "-f", ...volumes], { stdio: "ignore" });
  }
}, 400_000);
