import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSuiteEnv, eventually, freePort, REPO_ROOT, type SuiteEnv, withDatabase } from "@inbound/testing";
import { Client } from "pg";

/**
 * The Docker images cannot be built here (no registry), so this runs what they hold: the same build
 * (scripts/build.js) and layout (scripts/assemble-image.js) as the Dockerfile, started with plain node from
 * a folder outside the repository, where nothing but the image's own node_modules can be resolved.
 */
const work = mkdtempSync(path.join(tmpdir(), "image-"));
const image = (target: string) => path.join(work, target);
const adminUrl = () => process.env.TEST_PG_ADMIN_URL as string;
const SECRETS_KEY = randomBytes(32).toString("hex");

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node <args>` in an image folder, with the production environment and nothing of the repository's. */
function run(target: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ["--enable-source-maps", ...args], {
    cwd: image(target),
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", SECRETS_KEY, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

async function sql(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

let suite: SuiteEnv;

beforeAll(async () => {
  suite = await createSuiteEnv();
  const node = (script: string, ...args: string[]) =>
    execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts", script), ...args], { cwd: REPO_ROOT, stdio: "pipe" });
  node("build.js", path.join(work, "build"));
  for (const target of ["ingress", "dialer", "dashboard", "migrate", "webhooks"])
    node("assemble-image.js", target, image(target), path.join(work, "build"));
}, 240_000);

afterAll(async () => {
  await suite?.close();
  rmSync(work, { recursive: true, force: true });
});

test("migrate image: migrates a fresh database from its own copy of prisma/migrations; its admin CLI works", async () => {
  const database = `image_${randomBytes(4).toString("hex")}`;
  await sql(adminUrl(), `CREATE DATABASE "${database}"`);
  try {
    const databaseUrl = withDatabase(adminUrl(), database);
    // No MIGRATIONS_DIR: the bundle's default must find the folder beside it.
    const migrate = run("migrate", ["packages/db/dist/migrate/cli.js"], { DATABASE_URL: databaseUrl });
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toMatch(/db:migrate: applied \d+ migration/);

    const admin = run("migrate", ["services/admin/dist/main.js", "org", "create", "--name", "Image test", "--json"], {
      DATABASE_URL: databaseUrl,
    });
    expect(await admin.exited).toBe(0);
    expect(JSON.parse(admin.output())).toEqual({ org_id: expect.any(String), webhook_token: expect.any(String) });
  } finally {
    await sql(adminUrl(), `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
});

test("ingress, dialer and webhooks images start, are ready against Postgres and Redis, and exit 0 on SIGTERM", async () => {
  const [ingressPort, internalPort, dialerPort, webhooksPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env = {
    DATABASE_URL: suite.databaseUrl,
    REDIS_URL: suite.redisUrl,
    REDIS_PREFIX: suite.prefix,
    SHUTDOWN_TIMEOUT_MS: "3000",
    INGRESS_PORT: String(ingressPort),
    INGRESS_INTERNAL_PORT: String(internalPort),
    DIALER_PORT: String(dialerPort),
    WEBHOOKS_PORT: String(webhooksPort),
  };
  const services = [
    run("ingress", ["dist/main.js"], env),
    run("dialer", ["dist/main.js"], env),
    run("webhooks", ["dist/main.js"], env),
  ];
  const diedEarly = Promise.race(
    services.map((s) => s.exited.then((code) => Promise.reject(new Error(`a service exited early (code ${code})`)))),
  );
  try {
    await Promise.race([
      diedEarly,
      Promise.all([
        eventually(async () => (await status(`http://127.0.0.1:${internalPort}/readyz`)) === 200, 60_000),
        eventually(async () => (await status(`http://127.0.0.1:${dialerPort}/readyz`)) === 200, 60_000),
        eventually(async () => (await status(`http://127.0.0.1:${webhooksPort}/readyz`)) === 200, 60_000),
      ]),
    ]);
    expect(await status(`http://127.0.0.1:${ingressPort}/healthz`)).toBe(200);
    expect(await status(`http://127.0.0.1:${internalPort}/metrics`)).toBe(200);
    expect(await status(`http://127.0.0.1:${ingressPort}/metrics`)).toBe(404);
    expect(await status(`http://127.0.0.1:${dialerPort}/metrics`)).toBe(200);
    expect(await status(`http://127.0.0.1:${webhooksPort}/metrics`)).toBe(200);
  } catch (error) {
    for (const s of services) s.child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${services.map((s) => s.output().slice(-2000)).join("\n")}`);
  }
  for (const s of services) s.child.kill("SIGTERM");
  expect(await Promise.all(services.map((s) => s.exited))).toEqual([0, 0, 0]);
  for (const s of services) expect(s.output()).not.toMatch(/Cannot find module|\n\s+at /);
});

test("dashboard image starts, serves its own assets and the vendor files from its node_modules, and exits 0 on SIGTERM", async () => {
  const port = await freePort();
  const dashboard = run("dashboard", ["dist/main.js"], {
    DATABASE_URL: suite.databaseUrl,
    REDIS_URL: suite.redisUrl,
    REDIS_PREFIX: suite.prefix,
    DASHBOARD_PORT: String(port),
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      dashboard.exited.then((code) => Promise.reject(new Error(`the dashboard exited early (code ${code})`))),
      eventually(async () => (await status(`${base}/healthz`)) === 200, 60_000),
    ]);
    for (const asset of [
      "/assets/app.css",
      "/assets/app.js",
      "/assets/usage.js",
      "/assets/vendor/htmx.min.js",
      "/assets/vendor/chart.umd.min.js",
    ]) {
      expect([asset, await status(base + asset)]).toEqual([asset, 200]);
    }
    expect(await status(`${base}/sign-in`)).toBe(200);
  } catch (error) {
    dashboard.child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${dashboard.output().slice(-2000)}`);
  }
  dashboard.child.kill("SIGTERM");
  expect(await dashboard.exited).toBe(0);
  expect(dashboard.output()).not.toMatch(/Cannot find module|\n\s+at /);
});
