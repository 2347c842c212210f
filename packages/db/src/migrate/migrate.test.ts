import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readFile, writeFile, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { queryOnce as query, startProcess, withDatabase } from "@inbound/testing";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from "./migrate";

const adminUrl = () => process.env.TEST_PG_ADMIN_URL as string;

/** Databases this file created; dropped after the file (FORCE: a failed test may leave a connection behind). */
const created: string[] = [];

async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function freshDatabase(): Promise<string> {
  const name = `migrate_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  created.push(name);
  return withDatabase(adminUrl(), name);
}

afterAll(async () => {
  for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  const names = created.map((n) => `'${n}'`).join(", ");
  const left = await query<{ datname: string }>(adminUrl(), `SELECT datname FROM pg_database WHERE datname IN (${names})`);
  expect(left).toEqual([]);
});

test("a fresh database gets every migration, with Prisma-compatible bookkeeping", async () => {
  const url = await freshDatabase();
  const result = await migrate(url);
  const migrations = await loadMigrations();
  expect(result.applied).toEqual(migrations.map((m) => m.name));

  const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
    url,
    `SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
  );
  for (const [i, migration] of migrations.entries()) {
    const sql = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, migration.name, "migration.sql"));
    expect(rows[i]).toMatchObject({
      migration_name: migration.name,
      checksum: createHash("sha256").update(sql).digest("hex"),
      applied_steps_count: 1,
    });
    expect(rows[i]?.finished_at).toBeInstanceOf(Date);
  }
  const tables = await query<{ tablename: string }>(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
  expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(["organizations", "calls", "call_events"]));
});

test("re-running is a no-op", async () => {
  const url = await freshDatabase();
  await migrate(url);
  const before = await query(url, `SELECT id, finished_at FROM _prisma_migrations ORDER BY id`);
  const again = await migrate(url);
  expect(again.applied).toEqual([]);
  expect(again.alreadyApplied.length).toBeGreaterThan(0);
  expect(await query(url, `SELECT id, finished_at FROM _prisma_migrations ORDER BY id`)).toEqual(before);
});

test("concurrent runs apply each migration exactly once", async () => {
  const url = await freshDatabase();
  const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
  const appliedCount = results.reduce((n, r) => n + r.applied.length, 0);
  expect(appliedCount).toBe((await loadMigrations()).length);
  const rows = await query<{ n: string }>(url, `SELECT count(*)::text AS n FROM _prisma_migrations`);
  expect(rows[0]?.n).toBe(String(appliedCount));
});

test("a failing migration leaves no trace and stops the run with its name", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  await mkdir(path.join(dir, "29990101000000_broken"));
  await writeFile(
    path.join(dir, "29990101000000_broken", "migration.sql"),
    `CREATE TABLE half_done (id int);\nSELECT no_such_function();\n`,
  );
  const url = await freshDatabase();
  await expect(migrate(url, dir)).rejects.toThrow(/29990101000000_broken failed/);
  const tables = await query<{ tablename: string }>(url, `SELECT tablename FROM pg_tables WHERE tablename = 'half_done'`);
  expect(tables).toEqual([]);
  const names = await query<{ migration_name: string }>(url, `SELECT migration_name FROM _prisma_migrations`);
  expect(names.map((n) => n.migration_name)).not.toContain("29990101000000_broken");
});

test("an applied migration edited afterwards is refused", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  const url = await freshDatabase();
  await migrate(url, dir);
  const [first] = await loadMigrations(dir);
  await writeFile(path.join(dir, first!.name, "migration.sql"), `${first!.sql}\n-- edited\n`);
  await expect(migrate(url, dir)).rejects.toThrow(/checksum differs/);
});

test("pnpm db:migrate reports what it did and fails clearly when Postgres is unreachable", async () => {
  const url = await freshDatabase();
  const ok = startProcess("packages/db/src/migrate/cli.ts", { DATABASE_URL: url });
  expect((await ok.exited).code).toBe(0);
  expect(ok.output()).toMatch(/applied \d+ migration/);

  const again = startProcess("packages/db/src/migrate/cli.ts", { DATABASE_URL: url });
  expect((await again.exited).code).toBe(0);
  expect(again.output()).toMatch(/up to date/);

  const down = startProcess("packages/db/src/migrate/cli.ts", {
    DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:1/nothing",
  });
  expect((await down.exited).code).toBe(1);
  expect(down.output()).toMatch(/^db:migrate: .*ECONNREFUSED|connect/m);
  expect(down.output()).not.toMatch(/\n\s+at /);
});
