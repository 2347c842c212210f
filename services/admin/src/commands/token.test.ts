import { createHash } from "node:crypto";
import { createOrganization } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, rowsContaining, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("token rotate", () => {
  it("revokes the old token and stores only the hash of the new one, which it prints once", async () => {
    const org = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });
    const [rotated, unknownOrg] = await Promise.all([
      runAdmin(suite.env, ["token", "rotate", "--org", org.org_id, "--json"]),
      runAdmin(suite.env, ["token", "rotate", "--org", "org_nope", "--json"]),
    ]);

    const { webhook_token } = expectJson<{ webhook_token: string }>(rotated);
    expect(Object.keys(expectJson(rotated))).toEqual(["webhook_token"]);
    expect(webhook_token).not.toBe(org.webhook_token);
    const tokens = await suite.db.prisma.webhookToken.findMany({ where: { orgId: org.org_id } });
    const old = tokens.find((t) => t.tokenHash === sha256(org.webhook_token));
    const fresh = tokens.find((t) => t.tokenHash === sha256(webhook_token));
    expect(tokens).toHaveLength(2);
    expect(old?.revokedAt).toBeInstanceOf(Date);
    expect(fresh).toMatchObject({ revokedAt: null, displayPrefix: webhook_token.slice(0, 10) });
    expect(await rowsContaining(suite.db.prisma, "webhook_tokens", webhook_token)).toBe(0);

    expect(expectFailure(unknownOrg, 1)).toBe("organization org_nope not found");
  });

  it("prints the new token and its URL for a person, and rotating again revokes the previous one", async () => {
    const org = await createOrganization(suite.db.prisma, { name: "Beta", credits: 0, dailyQuota: 10 });
    const run = await runAdmin(suite.env, ["token", "rotate", "--org", org.org_id]);
    expect(run.code).toBe(0);
    const token = run.stdout.match(/New webhook token .*: (whk_\S+)/)?.[1];
    expect(run.stdout).toContain(`Webhook URL: http://localhost:3000/v1/hooks/${token}`);
    const active = await suite.db.prisma.webhookToken.findMany({ where: { orgId: org.org_id, revokedAt: null } });
    expect(active.map((t) => t.tokenHash)).toEqual([sha256(token!)]);
  });
});
