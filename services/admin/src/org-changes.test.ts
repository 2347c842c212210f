import { createServer } from "node:net";
import { createOrganization, rotateWebhookToken } from "@inbound/db";
import { orgEpochKey } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv, startTcpProxy } from "@inbound/testing";
import { createOrgChangeNotifier } from "./org-changes";
import { expectFailure, expectJson, runAdmin } from "./test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

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

  it("Redis unreachable: token rotate, signing enable/rotate and quota set change nothing, exit 1 and say so", async () => {
    const { org_id, webhook_token } = await createOrganization(suite.db.prisma, { name: "Beta", credits: 0, dailyQuota: 10 });
    const env = { ...suite.env, REDIS_URL: `redis://:hunter2@127.0.0.1:${await closedPort()}`, REDIS_TIMEOUT_MS: "500" };
    const before = await orgState(org_id);
    for (const args of [
      ["token", "rotate", "--org", org_id],
      ["signing", "enable", "--org", org_id],
      ["signing", "rotate", "--org", org_id, "--grace-minutes", "5"],
      ["quota", "set", "--org", org_id, "--daily", "99"],
    ]) {
      const message = expectFailure(await runAdmin(env, [...args, "--json"]), 1);
      expect(message).toMatch(/^nothing was changed: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ did not answer/);
      expect(message).not.toContain("hunter2");
      expect(await orgState(org_id)).toEqual(before);
    }
    // The original webhook token still works as the one active token.
    const active = await suite.db.prisma.webhookToken.findMany({ where: { orgId: org_id, revokedAt: null } });
    expect(active.map((t) => t.displayPrefix)).toEqual([webhook_token.slice(0, active[0]?.displayPrefix.length)]);
    expect(await epoch(org_id)).toBeNull();
  });

  it("Redis lost after the commit: the new token is printed and is the working one, with a warning that replicas were not told", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Gamma", credits: 0, dailyQuota: 10 });
    const proxy = await startTcpProxy(suite.env.REDIS_URL as string);
    const notifier = createOrgChangeNotifier({ redisUrl: proxy.url, redisPrefix: suite.prefix, timeoutMs: 500, cacheTtlSeconds: 60 });
    try {
      const { result, warning } = await notifier.apply(org_id, async () => {
        const rotated = await rotateWebhookToken(suite.db.prisma, org_id);
        proxy.drop(); // Redis goes away between the commit and the epoch bump
        return rotated;
      });
      expect(result.webhook_token).toMatch(/^whk_/);
      expect(warning).toMatch(/^the change is saved in Postgres and shown above, but Redis at .* stopped answering/);
      const active = await suite.db.prisma.webhookToken.findMany({ where: { orgId: org_id, revokedAt: null } });
      expect(active).toHaveLength(1);
      expect(result.webhook_token.startsWith(active[0]?.displayPrefix as string)).toBe(true);
    } finally {
      await notifier.close();
      await proxy.close();
    }
  });
});

async function orgState(orgId: string) {
  const [org, tokens, secrets] = await Promise.all([
    suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } }),
    suite.db.prisma.webhookToken.findMany({ where: { orgId }, orderBy: { createdAt: "asc" } }),
    suite.db.prisma.signingSecret.findMany({ where: { orgId } }),
  ]);
  return { org, tokens, secrets };
}
