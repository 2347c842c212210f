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

describe("agent create", () => {
  it("creates an agent of the organisation, and refuses an unknown organisation or a missing name", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });
    const [created, unknownOrg, noName] = await Promise.all([
      runAdmin(suite.env, ["agent", "create", "--org", org_id, "--name", "Sales bot", "--json"]),
      runAdmin(suite.env, ["agent", "create", "--org", "org_nope", "--name", "Ghost", "--json"]),
      runAdmin(suite.env, ["agent", "create", "--org", org_id, "--json"]),
    ]);

    const { agent_id } = expectJson<{ agent_id: string }>(created);
    expect(agent_id).toMatch(/^agt_[0-9a-z]{20}$/);
    const agent = await suite.db.prisma.agent.findUniqueOrThrow({ where: { id: agent_id } });
    expect(agent).toMatchObject({ orgId: org_id, name: "Sales bot" });

    expect(expectFailure(unknownOrg, 1)).toBe("organization org_nope not found");
    expect(expectFailure(noName, 2)).toMatch(/^--name is required/);
    expect(await suite.db.prisma.agent.count()).toBe(1);
  });
});
