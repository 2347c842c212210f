import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { createOrganization } from "@inbound/db";
import { orgEpochKey } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, rowsContaining, runAdmin } from "../test-support";

// Each step runs the real CLI as its own process (tsx): on a loaded 2-core machine a few seconds each.
jest.setTimeout(180_000);

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const epoch = (orgId: string) => suite.redis.get(orgEpochKey(suite.prefix, orgId));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Listed {
  org_id: string;
  api_keys: {
    api_key_id: string;
    name: string;
    display_prefix: string;
    created_at: string;
    last_used_at: string | null;
    revoked_at: string | null;
  }[];
}

describe("apikey create | list | revoke", () => {
  it("create prints {api_key_id, api_key} once and stores only the key's hash and display prefix; many keys per organisation", async () => {
    const org = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });
    const first = await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--name", "CRM sync", "--json"]);
    const second = await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--name", "Reporting", "--json"]);
    const a = expectJson<{ api_key_id: string; api_key: string }>(first);
    const b = expectJson<{ api_key_id: string; api_key: string }>(second);
    expect(Object.keys(a)).toEqual(["api_key_id", "api_key"]);
    expect(a.api_key_id).toMatch(/^key_[a-z0-9]{20}$/);
    expect(a.api_key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(b.api_key).not.toBe(a.api_key);
    const rows = await suite.db.prisma.apiKey.findMany({ where: { orgId: org.org_id }, orderBy: { name: "asc" } });
    expect(rows.map((r) => [r.id, r.name, r.keyHash, r.displayPrefix, r.revokedAt, r.lastUsedAt])).toEqual([
      [a.api_key_id, "CRM sync", sha256(a.api_key), a.api_key.slice(0, 11), null, null],
      [b.api_key_id, "Reporting", sha256(b.api_key), b.api_key.slice(0, 11), null, null],
    ]);
    for (const key of [a.api_key, b.api_key]) {
      expect(await rowsContaining(suite.db.prisma, "api_keys", key)).toBe(0);
      expect(await rowsContaining(suite.db.prisma, "api_keys", key.slice(11))).toBe(0);
    }
    // Creating a key changes nothing an ingress replica caches.
    expect(await epoch(org.org_id)).toBeNull();
  });

  it("a person gets the key and how to use it; bad arguments exit 2, an unknown organisation exits 1", async () => {
    const org = await createOrganization(suite.db.prisma, { name: "Beta", credits: 0, dailyQuota: 10 });
    const [text, unknownOrg, noName, longName] = [
      await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--name", "Zapier"]),
      await runAdmin(suite.env, ["apikey", "create", "--org", "org_nope", "--name", "x", "--json"]),
      await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--json"]),
      await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--name", "n".repeat(101), "--json"]),
    ];
    expect(text.code).toBe(0);
    const key = text.stdout.match(/API key \(shown once, store it now\): (sk_\S+)/)?.[1];
    expect(text.stdout).toContain(`Authorization: Bearer ${key}`);
    expect(expectFailure(unknownOrg, 1)).toBe("organization org_nope not found");
    expect(expectFailure(noName, 2)).toMatch(/^--name is required/);
    expect(expectFailure(longName, 2)).toMatch(/^--name must be at most 100 characters/);
  });

  it("list shows every key with its prefix and dates, never a key; revoke stops one key, bumps the epoch, and is idempotent", async () => {
    const org = await createOrganization(suite.db.prisma, { name: "Gamma", credits: 0, dailyQuota: 10 });
    const keep = expectJson<{ api_key_id: string; api_key: string }>(
      await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--name", "keep", "--json"]),
    );
    const old = expectJson<{ api_key_id: string; api_key: string }>(
      await runAdmin(suite.env, ["apikey", "create", "--org", org.org_id, "--name", "old", "--json"]),
    );

    const revoked = expectJson<{ api_key_id: string; org_id: string; revoked_at: string }>(
      await runAdmin(suite.env, ["apikey", "revoke", "--key", old.api_key_id, "--json"]),
    );
    expect(revoked).toEqual({ api_key_id: old.api_key_id, org_id: org.org_id, revoked_at: expect.any(String) });
    expect(await epoch(org.org_id)).toBe("1");
    const again = expectJson(await runAdmin(suite.env, ["apikey", "revoke", "--key", old.api_key_id, "--json"]));
    expect(again).toEqual(revoked);

    const listRun = await runAdmin(suite.env, ["apikey", "list", "--org", org.org_id, "--json"]);
    const listed = expectJson<Listed>(listRun);
    expect(listed.org_id).toBe(org.org_id);
    expect(listed.api_keys.map((k) => [k.api_key_id, k.name, k.display_prefix, k.revoked_at])).toEqual([
      [old.api_key_id, "old", old.api_key.slice(0, 11), revoked.revoked_at],
      [keep.api_key_id, "keep", keep.api_key.slice(0, 11), null],
    ]);
    expect(listed.api_keys[0]).toMatchObject({ created_at: expect.any(String), last_used_at: null });
    expect(listRun.stdout).not.toContain(keep.api_key.slice(11));

    const text = await runAdmin(suite.env, ["apikey", "list", "--org", org.org_id]);
    expect(text.stdout).toContain(`${keep.api_key_id}  ${keep.api_key.slice(0, 11)}…  keep`);
    expect(text.stdout).toMatch(new RegExp(`${old.api_key_id} .* REVOKED `));

    expect(expectFailure(await runAdmin(suite.env, ["apikey", "revoke", "--key", "key_nope", "--json"]), 1)).toBe(
      "api key key_nope not found",
    );
  });

  it("Redis unreachable: create still prints its key (nothing to tell); revoke commits, prints it, and warns that replicas may accept the key until their cache TTL", async () => {
    const org = await createOrganization(suite.db.prisma, { name: "Delta", credits: 0, dailyQuota: 10 });
    const env = { ...suite.env, REDIS_URL: `redis://:hunter2@127.0.0.1:${await closedPort()}`, REDIS_TIMEOUT_MS: "500" };
    const created = expectJson<{ api_key_id: string; api_key: string }>(
      await runAdmin(env, ["apikey", "create", "--org", org.org_id, "--name", "offline", "--json"]),
    );
    expect(created.api_key).toMatch(/^sk_/);

    // A revocation never waits for Redis (SPEC §4: it completes and shows its result).
    const run = await runAdmin(env, ["apikey", "revoke", "--key", created.api_key_id, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ api_key_id: created.api_key_id, org_id: org.org_id });
    expect(run.stderr).toMatch(/^admin: warning: the revocation is saved in Postgres and shown above, but Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ did not answer/);
    expect(run.stderr).toContain("may accept it for up to 60 s");
    expect(run.stderr).not.toContain("hunter2");
    const row = await suite.db.prisma.apiKey.findUnique({ where: { id: created.api_key_id } });
    expect(row?.revokedAt).toBeInstanceOf(Date);
  });
});
