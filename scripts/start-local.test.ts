import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
