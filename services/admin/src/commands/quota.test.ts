import { createOrganization } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

describe("quota set", () => {
  it("sets the daily quota (0 allowed); refuses a negative value and unknown organisations", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });
    const [set, negative, unknownOrg] = await Promise.all([
      runAdmin(suite.env, ["quota", "set", "--org", org_id, "--daily", "0", "--json"]),
      runAdmin(suite.env, ["quota", "set", "--org", org_id, "--daily", "-1", "--json"]),
      runAdmin(suite.env, ["quota", "set", "--org", "org_nope", "--daily", "5", "--json"]),
    ]);
    expect(expectJson(set)).toEqual({ daily_quota: 0 });
    expect((await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: org_id } })).dailyQuota).toBe(0);
    expect(expectFailure(negative, 2)).toMatch(/--daily must be at least 0, got -1/);
    expect(expectFailure(unknownOrg, 1)).toBe("organization org_nope not found");

    expect(expectJson(await runAdmin(suite.env, ["quota", "set", "--org", org_id, "--daily", "2500", "--json"]))).toEqual({
      daily_quota: 2500,
    });
  });
});
