import { randomBytes } from "node:crypto";
import { withDatabase } from "@inbound/testing";
import { Client } from "pg";
import { checkPostgres, checkRedis, maskUrl } from "./preflight";

const adminUrl = () => process.env.TEST_PG_ADMIN_URL as string;
const redisUrl = () => process.env.TEST_REDIS_URL_RESOLVED as string;

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

test("maskUrl hides passwords and nothing else", () => {
  expect(maskUrl("postgresql://postgres:s3cret@127.0.0.1:5432/inbound_calls")).toBe(
    "postgresql://postgres:***@127.0.0.1:5432/inbound_calls",
  );
  expect(maskUrl("redis://:s3cret@cache:6379")).toBe("redis://:***@cache:6379");
  expect(maskUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
});

test("an unreachable Postgres is reported with what to start or set, password masked", async () => {
  const result = await checkPostgres("postgresql://postgres:s3cret@127.0.0.1:1/inbound_calls", 2000);
  expect(result.ok).toBe(false);
  const problem = result.ok ? "" : result.problem;
  expect(problem).toContain("Postgres is not reachable at postgresql://postgres:***@127.0.0.1:1/inbound_calls");
  expect(problem).toMatch(/ECONNREFUSED/);
  expect(problem).toContain("docker run -d -p 1:5432");
  expect(problem).toContain("or set DATABASE_URL");
  expect(problem).not.toContain("s3cret");
});

test("a wrong password is told apart from an unreachable server", async () => {
  const url = new URL(adminUrl());
  url.password = "definitely-wrong";
  const result = await checkPostgres(url.toString(), 3000);
  expect(result).toEqual({ ok: false, problem: expect.stringContaining("refused the login") });
  expect(result.ok ? "" : result.problem).not.toContain("definitely-wrong");
});

test("a missing database is created, then found", async () => {
  const name = `preflight_${randomBytes(4).toString("hex")}`;
  try {
    const first = await checkPostgres(withDatabase(adminUrl(), name), 3000);
    expect(first).toEqual({ ok: true, note: expect.stringContaining(`created database "${name}"`) });
    expect(await databaseExists(name)).toBe(true);
    expect(await checkPostgres(withDatabase(adminUrl(), name), 3000)).toEqual({ ok: true });
  } finally {
    await dropDatabase(name);
  }
});

test("Redis: a live server passes, an unreachable one is reported with what to start or set", async () => {
  expect(await checkRedis(redisUrl(), 2000)).toEqual({ ok: true });
  const result = await checkRedis("redis://:s3cret@127.0.0.1:1", 2000);
  expect(result.ok).toBe(false);
  const problem = result.ok ? "" : result.problem;
  expect(problem).toContain("Redis is not reachable at redis://:***@127.0.0.1:1");
  expect(problem).toMatch(/ECONNREFUSED/);
  expect(problem).toContain("or set REDIS_URL");
  expect(problem).not.toContain("s3cret");
});
