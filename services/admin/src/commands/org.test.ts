import { createHash } from "node:crypto";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, rowsContaining, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv({ DEFAULT_DAILY_QUOTA: "750", PUBLIC_BASE_URL: "https://hooks.example.test/" });
});
afterAll(() => suite.close());

describe("org create / org show", () => {
  it("creates an organisation whose token is stored only as a sha256 hash and a display prefix", async () => {
    const created = expectJson<{ org_id: string; webhook_token: string }>(
      await runAdmin(suite.env, ["org", "create", "--name", "Acme Corp", "--credits", "25", "--daily-quota", "40", "--json"]),
    );
    expect(Object.keys(created).sort()).toEqual(["org_id", "webhook_token"]);
    expect(created.org_id).toMatch(/^org_[0-9a-z]{20}$/);
    expect(created.webhook_token).toMatch(/^whk_[A-Za-z0-9_-]{43}$/);

    const org = await suite.db.prisma.organization.findUniqueOrThrow({
      where: { id: created.org_id },
      include: { tokens: true },
    });
    expect(org).toMatchObject({ name: "Acme Corp", credits: 25, dailyQuota: 40, signatureVerification: false });
    expect(org.tokens).toHaveLength(1);
    const token = org.tokens[0]!;
    expect(token.tokenHash).toBe(createHash("sha256").update(created.webhook_token).digest("hex"));
    expect(token.displayPrefix).toBe(created.webhook_token.slice(0, 10));
    expect(token.revokedAt).toBeNull();
    expect(await rowsContaining(suite.db.prisma, "webhook_tokens", token.tokenHash)).toBe(1);
    expect(await rowsContaining(suite.db.prisma, "webhook_tokens", created.webhook_token)).toBe(0);

    const shown = expectJson(await runAdmin(suite.env, ["org", "show", "--org", created.org_id, "--json"]));
    expect(shown).toEqual({
      org_id: created.org_id,
      name: "Acme Corp",
      credits: 25,
      daily_quota: 40,
      signature_verification: false,
      calling_hours_guard: true,
      max_concurrent_calls: 10,
      concurrent_calls_in_use: 0,
    });
  });

  it("defaults to 0 credits and DEFAULT_DAILY_QUOTA, and prints the token and webhook URL for a person without --json", async () => {
    const run = await runAdmin(suite.env, ["org", "create", "--name", "Plain"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const orgId = run.stdout.match(/Created organization (org_[0-9a-z]+)/)?.[1];
    const token = run.stdout.match(/Webhook token .*: (whk_\S+)/)?.[1];
    expect(orgId).toBeDefined();
    expect(run.stdout).toContain(`Webhook URL: https://hooks.example.test/v1/hooks/${token}`);
    const org = await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId! } });
    expect(org).toMatchObject({ name: "Plain", credits: 0, dailyQuota: 750 });

    const text = await runAdmin(suite.env, ["org", "show", "--org", orgId!]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/credits:\s+0/);
    expect(text.stdout).toMatch(/signature verification: off/);
  });

  it("rejects bad arguments with exit 2 and an unknown organisation with exit 1", async () => {
    // Every parsing rule is covered in-process by args.test.ts; here, what the real process does with one.
    const [badCredits, unknown] = await Promise.all([
      runAdmin(suite.env, ["org", "create", "--name", "X", "--credits", "-3", "--json"]),
      runAdmin(suite.env, ["org", "show", "--org", "org_doesnotexist", "--json"]),
    ]);
    expect(expectFailure(badCredits, 2)).toMatch(/--credits must be at least 0, got -3/);
    expect(expectFailure(unknown, 1)).toBe("organization org_doesnotexist not found");
    expect(await suite.db.prisma.organization.count({ where: { name: "X" } })).toBe(0);
  });
});
