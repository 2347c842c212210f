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

describe("credits add", () => {
  it("adds to the balance and prints the new balance; refuses a non-positive amount and an unknown organisation", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Acme", credits: 5, dailyQuota: 10 });
    const [added, zero, unknownOrg] = await Promise.all([
      runAdmin(suite.env, ["credits", "add", "--org", org_id, "--amount", "10", "--json"]),
      runAdmin(suite.env, ["credits", "add", "--org", org_id, "--amount", "0", "--json"]),
      runAdmin(suite.env, ["credits", "add", "--org", "org_nope", "--amount", "1", "--json"]),
    ]);
    expect(expectJson(added)).toEqual({ credits: 15 });
    expect((await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: org_id } })).credits).toBe(15);
    expect(expectFailure(zero, 2)).toMatch(/--amount must be at least 1, got 0/);
    expect(expectFailure(unknownOrg, 1)).toBe("organization org_nope not found");

    const text = await runAdmin(suite.env, ["credits", "add", "--org", org_id, "--amount", "1"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("balance is now 16");
  });
});
