import { createServer } from "node:net";
import { createOrganization } from "@inbound/db";
import { orgEpochKey } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, runAdmin } from "./test-support";

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const epoch = (orgId: string) => suite.redis.get(orgEpochKey(suite.prefix, orgId));

describe("telling the ingress replicas (the organisation's epoch in Redis)", () => {
  it("every command that changes what ingress caches bumps the epoch once; the others do not touch it", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });
    const steps: [string[], string | null][] = [
      [["org", "show", "--org", org_id], null],
      [["credits", "add", "--org", org_id, "--amount", "5"], null],
      [["token", "rotate", "--org", org_id], "1"],
      [["signing", "enable", "--org", org_id], "2"],
      [["signing", "rotate", "--org", org_id, "--grace-minutes", "5"], "3"],
      [["signing", "disable", "--org", org_id], "4"],
      [["quota", "set", "--org", org_id, "--daily", "50"], "5"],
    ];
    for (const [args, expected] of steps) {
      expectJson(await runAdmin(suite.env, [...args, "--json"]));
      expect(await epoch(org_id)).toBe(expected);
    }
  });

  it("Redis unreachable: the change is committed, but the command exits 1 and says the replicas were not told", async () => {
    const { org_id, webhook_token } = await createOrganization(suite.db.prisma, { name: "Beta", credits: 0, dailyQuota: 10 });
    const env = { ...suite.env, REDIS_URL: `redis://:hunter2@127.0.0.1:${await closedPort()}`, REDIS_TIMEOUT_MS: "500" };
    const run = await runAdmin(env, ["token", "rotate", "--org", org_id, "--json"]);
    const message = expectFailure(run, 1);
    expect(message).toMatch(/^the change is saved in Postgres, but Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ did not answer/);
    expect(message).toContain("the ingress replicas were not told");
    expect(message).toContain("up to 60 s (TOKEN_CACHE_TTL_SECONDS");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("whk_");
    const active = await suite.db.prisma.webhookToken.findMany({ where: { orgId: org_id, revokedAt: null } });
    expect(active).toHaveLength(1);
    expect(active[0]?.displayPrefix).not.toBe(webhook_token.slice(0, 10));
    expect(await epoch(org_id)).toBeNull();
  });
});
