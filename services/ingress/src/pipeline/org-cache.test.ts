import { bumpOrgEpoch, createQueues, createRedis, orgEpochKey, type Queues } from "@inbound/queue";
import { signPayload } from "@inbound/security";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import type { Redis } from "ioredis";
import {
  admin,
  createBody,
  createTestOrg,
  send,
  startIngress,
  type TestIngress,
  type TestOrg,
  tokenCacheCounts,
  untilCached,
} from "../test-support/harness";
import { OrgCache, type OrgEntry } from "./org-cache";

const entry = (orgId: string, epoch: string | null = "0"): OrgEntry => ({
  orgId,
  dailyQuota: 10,
  signatureVerification: false,
  secrets: [],
  epoch,
});

describe("OrgCache", () => {
  test("serves an entry until its TTL, then forgets it", () => {
    const cache = new OrgCache(10, 30_000);
    cache.set("h1", entry("org_1"), 1_000, cache.generation);
    expect(cache.get("h1", 30_999)?.orgId).toBe("org_1");
    expect(cache.get("h1", 31_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test("keeps at most maxEntries, dropping the least recently used", () => {
    const cache = new OrgCache(2, 30_000);
    cache.set("h1", entry("org_1"), 0, cache.generation);
    cache.set("h2", entry("org_2"), 0, cache.generation);
    expect(cache.get("h1", 1)?.orgId).toBe("org_1");
    cache.set("h3", entry("org_3"), 0, cache.generation);
    expect(cache.get("h2", 1)).toBeUndefined();
    expect(cache.get("h1", 1)?.orgId).toBe("org_1");
    expect(cache.get("h3", 1)?.orgId).toBe("org_3");
  });

  test("clear() forgets everything, and a load that started before it cannot store what it read", () => {
    const cache = new OrgCache(10, 30_000);
    cache.set("h1", entry("org_1"), 0, cache.generation);
    const before = cache.generation;
    cache.clear();
    expect(cache.get("h1", 1)).toBeUndefined();
    cache.set("h2", entry("org_2"), 0, before);
    expect(cache.get("h2", 1)).toBeUndefined();
    cache.set("h2", entry("org_2"), 0, cache.generation);
    expect(cache.get("h2", 1)?.orgId).toBe("org_2");
  });

  test("stores nothing when off (TTL 0) or for a copy read without an epoch", () => {
    const off = new OrgCache(10, 0);
    off.set("h1", entry("org_1"), 0, off.generation);
    expect(off.enabled).toBe(false);
    expect(off.get("h1", 0)).toBeUndefined();
    const on = new OrgCache(10, 30_000);
    on.set("h1", entry("org_1", null), 0, on.generation);
    expect(on.get("h1", 0)).toBeUndefined();
  });
});

describe("the token cache in the ingress", () => {
  let suite: SuiteEnv;
  let now = Date.now();
  let ingress: TestIngress;

  beforeAll(async () => {
    suite = await createSuiteEnv();
    ingress = await startIngress(suite, { clock: () => now, config: { TOKEN_CACHE_TTL_SECONDS: "30" } });
  });

  afterAll(async () => {
    await ingress?.close();
    await suite?.close();
  });

  const revokeInPostgresOnly = (org: TestOrg) =>
    suite.db.pool.query("UPDATE webhook_tokens SET revoked_at = now() WHERE org_id = $1", [org.orgId]);

  test("a known token is read from Postgres once, then served from memory", async () => {
    now = Date.now();
    const org = await createTestOrg(suite.db);
    const before = await tokenCacheCounts(ingress);
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(201);
    await untilCached(ingress, (before.stored ?? 0) + 1);
    for (let i = 0; i < 2; i++) expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(201);
    const after = await tokenCacheCounts(ingress);
    expect((after.miss ?? 0) - (before.miss ?? 0)).toBe(1);
    expect((after.hit ?? 0) - (before.hit ?? 0)).toBe(2);
  });

  test("TTL backstop: a change made without telling the replicas is seen once the TTL has run out", async () => {
    now = Date.now();
    const [org, untouched] = await Promise.all([createTestOrg(suite.db), createTestOrg(suite.db)]);
    const stored = (await tokenCacheCounts(ingress)).stored ?? 0;
    for (const o of [org, untouched]) expect((await ingress.hook(o.token, createBody(o.agentId))).status).toBe(201);
    await untilCached(ingress, stored + 2);
    await revokeInPostgresOnly(org);
    // Without an epoch bump the cached copy still answers...
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(201);
    now += 31_000;
    // ...until the TTL ends: then both tokens are read again.
    const before = await tokenCacheCounts(ingress);
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(401);
    expect((await ingress.hook(untouched.token, createBody(untouched.agentId))).status).toBe(201);
    expect((await tokenCacheCounts(ingress)).miss).toBe((before.miss ?? 0) + 2);
  });

  test("a copy in use is read again in the background once it is half its TTL old, so it never falls out", async () => {
    now = Date.now();
    const org = await createTestOrg(suite.db);
    const hook = async () => (await ingress.hook(org.token, createBody(org.agentId))).status;
    const start = await tokenCacheCounts(ingress);
    expect(await hook()).toBe(201);
    await untilCached(ingress, (start.stored ?? 0) + 1);
    now += 20_000;
    expect(await hook()).toBe(201);
    await untilCached(ingress, (start.stored ?? 0) + 2);
    now += 20_000; // 40 s after the first read, 20 s after the second: still cached
    expect(await hook()).toBe(201);
    // That read (20 s old copy) refreshed it in the background: wait for it, or it could read the revocation below.
    await untilCached(ingress, (start.stored ?? 0) + 3);
    expect((await tokenCacheCounts(ingress)).miss).toBe((start.miss ?? 0) + 1);

    // A background read that finds the token revoked drops the copy at once.
    await revokeInPostgresOnly(org);
    now += 16_000;
    expect(await hook()).toBe(201);
    expect(await eventually(async () => (await hook()) === 401)).toBe(true);
  });

  test("stale epoch: any change of the organisation's epoch drops the cached copy before anything is counted", async () => {
    now = Date.now();
    const org = await createTestOrg(suite.db, { dailyQuota: 5 });
    const stored = (await tokenCacheCounts(ingress)).stored ?? 0;
    const first = await ingress.hook(org.token, createBody(org.agentId));
    expect(first.headers.ratelimit).toMatch(/^"daily";r=4;/);
    await untilCached(ingress, stored + 1);
    const stale = (await tokenCacheCounts(ingress)).stale ?? 0;
    await suite.db.pool.query("UPDATE organizations SET daily_quota = 100 WHERE id = $1", [org.orgId]);
    await bumpOrgEpoch(suite.redis, suite.prefix, org.orgId);
    const second = await ingress.hook(org.token, createBody(org.agentId));
    expect(second.headers["ratelimit-policy"]).toBe('"daily";q=100;w=86400');
    expect(second.headers.ratelimit).toMatch(/^"daily";r=98;/);
    expect((await tokenCacheCounts(ingress)).stale).toBe(stale + 1);
    await untilCached(ingress, stored + 2);

    await revokeInPostgresOnly(org);
    await bumpOrgEpoch(suite.redis, suite.prefix, org.orgId);
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(401);
    // The refused request was not counted: 2 of the day's requests are used.
    const day = new Date(now).toISOString().slice(0, 10).replaceAll("-", "");
    expect(await suite.redis.get(`${suite.prefix}:quota:${org.orgId}:${day}`)).toBe("2");
  });

  test("a previous signing secret cached with its grace period stops being accepted when the grace period ends", async () => {
    now = Date.now();
    // A TTL longer than the grace period: the cached copy itself must end it.
    const long = await startIngress(suite, { clock: () => now, config: { TOKEN_CACHE_TTL_SECONDS: "3600" } });
    const org = await createTestOrg(suite.db);
    const { signing_secret: old } = (await admin(suite, ["signing", "enable", "--org", org.orgId])) as { signing_secret: string };
    await admin(suite, ["signing", "rotate", "--org", org.orgId, "--grace-minutes", "10"]);
    const post = () => {
      const payload = JSON.stringify(createBody(org.agentId));
      const ts = String(Math.floor(now / 1000));
      return send(long.url, `/v1/hooks/${org.token}`, {
        body: payload,
        headers: {
          "Content-Type": "application/json",
          "X-Inbound-Timestamp": ts,
          "X-Inbound-Signature": signPayload(old, ts, payload),
        },
      });
    };
    try {
      expect((await post()).status).toBe(201);
      await untilCached(long, 1);
      now += 9 * 60_000;
      expect((await post()).status).toBe(201);
      expect(await tokenCacheCounts(long)).toMatchObject({ miss: 1, hit: 1, stored: 1 });
      now += 2 * 60_000;
      const late = await post();
      expect(late.status).toBe(401);
      expect(late.body.error.code).toBe("invalid_signature");
    } finally {
      await long.close();
    }
  });

  test("TOKEN_CACHE_TTL_SECONDS=0 turns the cache off: every request reads Postgres", async () => {
    const off = await startIngress(suite, { config: { TOKEN_CACHE_TTL_SECONDS: "0" } });
    try {
      const org = await createTestOrg(suite.db);
      expect((await off.hook(org.token, createBody(org.agentId))).status).toBe(201);
      await revokeInPostgresOnly(org);
      expect((await off.hook(org.token, createBody(org.agentId))).status).toBe(401);
      expect(await tokenCacheCounts(off)).toEqual({});
    } finally {
      await off.close();
    }
  });

  describe("when the ingress's Redis connection drops", () => {
    let redis: Redis;
    let queues: Queues;
    let own: TestIngress;

    beforeAll(async () => {
      redis = createRedis({ url: suite.env.REDIS_URL as string, timeoutMs: 1000, role: "client" });
      queues = createQueues(redis, suite.prefix);
      own = await startIngress(suite, { redis, queues });
    });

    afterAll(async () => {
      await own?.close();
      await queues?.close();
      redis?.disconnect();
    });

    test("the whole cache is dropped: after a Redis restart that lost the epochs, nothing stale is served", async () => {
      const org = await createTestOrg(suite.db);
      expect(await eventually(async () => (await own.hook(org.token, createBody(org.agentId))).status === 201)).toBe(true);
      await untilCached(own, 1);
      // A change whose epoch bump a Redis restart lost: only the reconnect can tell the ingress.
      await revokeInPostgresOnly(org);
      await bumpOrgEpoch(suite.redis, suite.prefix, org.orgId);
      await suite.redis.del(orgEpochKey(suite.prefix, org.orgId));
      expect((await own.hook(org.token, createBody(org.agentId))).status).toBe(201);

      redis.disconnect(true);
      // While it reconnects the ingress answers 503; then it reads Postgres again.
      const res = await eventually(async () => {
        const r = await own.hook(org.token, createBody(org.agentId));
        return r.status === 503 ? undefined : r;
      });
      expect(res?.status).toBe(401);
      expect(res?.body.error.code).toBe("invalid_token");
    });
  });
});
