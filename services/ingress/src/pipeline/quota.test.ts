import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import {
  admin,
  createBody,
  createTestOrg,
  startIngress,
  type TestIngress,
  tokenCacheCounts,
  untilCached,
} from "../test-support/harness";

let suite: SuiteEnv;
let now = Date.parse("2030-03-14T23:59:00.000Z");
let a: TestIngress;
let b: TestIngress;

beforeAll(async () => {
  suite = await createSuiteEnv();
  [a, b] = await Promise.all([startIngress(suite, { clock: () => now }), startIngress(suite, { clock: () => now })]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await suite?.close();
});

test("every authenticated response carries the IETF RateLimit fields; over quota → 429 with Retry-After to 00:00 UTC", async () => {
  now = Date.parse("2030-03-14T23:59:00.000Z");
  const org = await createTestOrg(suite.db, { credits: 10, dailyQuota: 3 });

  const first = await a.hook(org.token, createBody(org.agentId));
  expect(first.status).toBe(201);
  expect(first.headers["ratelimit-policy"]).toBe('"daily";q=3;w=86400');
  expect(first.headers.ratelimit).toBe('"daily";r=2;t=60');

  // Errors after authentication count and carry the fields too; the counter is shared by the replicas.
  const invalid = await b.hook(org.token, { action: "call.nope", data: {} });
  expect(invalid.status).toBe(400);
  expect(invalid.headers.ratelimit).toBe('"daily";r=1;t=60');
  expect((await a.hook(org.token, createBody(org.agentId))).headers.ratelimit).toBe('"daily";r=0;t=60');

  const over = await b.hook(org.token, createBody(org.agentId));
  expect(over.status).toBe(429);
  expect(over.body).toEqual({
    success: false,
    error: {
      code: "daily_quota_exceeded",
      message: "The organisation's daily quota of 3 requests is used up; it resets at 00:00 UTC.",
    },
  });
  expect(over.headers["retry-after"]).toBe("60");
  expect(over.headers.ratelimit).toBe('"daily";r=0;t=60');
  expect(over.headers["ratelimit-policy"]).toBe('"daily";q=3;w=86400');
  expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(2);

  // A new UTC day starts a new count.
  now = Date.parse("2030-03-15T00:00:01.000Z");
  const tomorrow = await a.hook(org.token, createBody(org.agentId));
  expect(tomorrow.status).toBe(201);
  expect(tomorrow.headers.ratelimit).toBe('"daily";r=2;t=86399');
});

test("quotas are per organisation, and a quota raised with pnpm admin applies at once on every replica", async () => {
  now = Date.parse("2030-06-01T12:00:00.000Z");
  const small = await createTestOrg(suite.db, { dailyQuota: 1 });
  const other = await createTestOrg(suite.db, { dailyQuota: 1 });
  const stored = await Promise.all([a, b].map(async (r) => (await tokenCacheCounts(r)).stored ?? 0));
  expect((await a.hook(small.token, createBody(small.agentId))).status).toBe(201);
  expect((await a.hook(small.token, createBody(small.agentId))).status).toBe(429);
  expect((await b.hook(small.token, createBody(small.agentId))).status).toBe(429);
  // Both replicas hold a copy of the organisation (quota 1) when it changes.
  await Promise.all([untilCached(a, (stored[0] ?? 0) + 1), untilCached(b, (stored[1] ?? 0) + 1)]);
  expect((await a.hook(other.token, createBody(other.agentId))).status).toBe(201);
  await admin(suite, ["quota", "set", "--org", small.orgId, "--daily", "5"]);
  const res = await a.hook(small.token, createBody(small.agentId));
  expect(res.status).toBe(201);
  expect(res.headers.ratelimit).toBe('"daily";r=1;t=43200');
  expect((await b.hook(small.token, createBody(small.agentId))).headers.ratelimit).toBe('"daily";r=0;t=43200');
});

test("requests refused before authentication do not count, and carry no RateLimit fields", async () => {
  now = Date.parse("2030-07-01T00:00:00.000Z");
  const org = await createTestOrg(suite.db, { dailyQuota: 1 });
  const res = await a.hook("whk_not_a_real_token_at_all", createBody(org.agentId));
  expect(res.status).toBe(401);
  expect(res.headers.ratelimit).toBeUndefined();
  expect((await a.hook(org.token, createBody(org.agentId))).status).toBe(201);
});

test("the quota counter key expires on its own (no unbounded growth)", async () => {
  const keys = (await suite.redisKeys()).filter((k) => k.includes(":quota:"));
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const ttl = await suite.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400 + 3600);
  }
});
