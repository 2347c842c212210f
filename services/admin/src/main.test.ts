import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { createSuiteEnv, type SuiteEnv, withDatabase } from "@inbound/testing";
import { expectFailure, runAdmin } from "./test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
let emptyDatabase: string;
beforeAll(async () => {
  suite = await createSuiteEnv();
  emptyDatabase = `admin_empty_${randomBytes(4).toString("hex")}`;
  await suite.db.pool.query(`CREATE DATABASE "${emptyDatabase}"`);
});
afterAll(async () => {
  await suite.db.pool.query(`DROP DATABASE IF EXISTS "${emptyDatabase}" WITH (FORCE)`);
  await suite.close();
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("admin CLI entry point", () => {
  it("prints help at every level on stdout with exit 0, without touching the database", async () => {
    const offline = { ...suite.env, DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${await closedPort()}/none` };
    const [top, command] = await Promise.all([runAdmin(offline, ["--help"]), runAdmin(offline, ["signing", "rotate", "-h"])]);
    for (const run of [top, command]) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
    }
    for (const line of [
      "org create --name NAME [--credits N] [--daily-quota N]",
      "org show --org ID",
      "agent create --org ID --name NAME",
      "token rotate --org ID",
      "signing enable --org ID",
      "signing disable --org ID",
      "signing rotate --org ID [--grace-minutes N]",
      "credits add --org ID --amount N",
      "quota set --org ID --daily N",
      "call show --call ID",
      "call cancel --org ID --call ID",
      "call delete --org ID --call ID",
      "pnpm admin demo",
    ]) {
      expect(top.stdout).toContain(line);
    }
    expect(command.stdout).toMatch(/^Usage: pnpm admin signing rotate --org ID \[--grace-minutes N\] \[--json\]/);
    expect(command.stdout).toMatch(/--grace-minutes N\s+minutes the previous secret stays valid/);
  });

  it("answers usage errors with exit 2 and configuration, connection and schema problems with exit 1, in one line", async () => {
    const port = await closedPort();
    const [none, unknown, badConfig, unreachable, noSuchDatabase, notMigrated] = await Promise.all([
      runAdmin(suite.env, []),
      runAdmin(suite.env, ["orgs", "create"]),
      runAdmin({ ...suite.env, SECRETS_KEY: "too-short" }, ["org", "show", "--org", "org_x", "--json"]),
      runAdmin({ ...suite.env, DATABASE_URL: `postgresql://postgres:hunter2@127.0.0.1:${port}/inbound` }, [
        "org",
        "show",
        "--org",
        "org_x",
        "--json",
      ]),
      runAdmin({ ...suite.env, DATABASE_URL: withDatabase(suite.databaseUrl, "no_such_database") }, [
        "org",
        "show",
        "--org",
        "org_x",
        "--json",
      ]),
      runAdmin({ ...suite.env, DATABASE_URL: withDatabase(suite.databaseUrl, emptyDatabase) }, [
        "org",
        "show",
        "--org",
        "org_x",
        "--json",
      ]),
    ]);

    expect(expectFailure(none, 2)).toBe("missing command (see pnpm admin --help)");
    expect(expectFailure(unknown, 2)).toBe('unknown command "orgs" (see pnpm admin --help)');
    expect(expectFailure(badConfig, 1)).toMatch(/SECRETS_KEY must be 64 hex characters/);

    const unreachableMessage = expectFailure(unreachable, 1);
    expect(unreachableMessage).toContain(
      `cannot reach Postgres at DATABASE_URL=postgresql://postgres:***@127.0.0.1:${port}/inbound`,
    );
    expect(unreachableMessage).not.toContain("hunter2");
    // A bound against hanging, not a speed target: a closed port must not wait for any timeout.
    expect(unreachable.ms).toBeLessThan(30_000);

    expect(expectFailure(noSuchDatabase, 1)).toMatch(/DATABASE_URL=.*no_such_database refused the connection: .*does not exist/);
    expect(expectFailure(notMigrated, 1)).toMatch(/DATABASE_URL=.* is not migrated: run `pnpm db:migrate`/);
  });
});
