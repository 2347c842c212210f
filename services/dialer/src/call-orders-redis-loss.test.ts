import { loadConfig } from "@inbound/config";
import { newId } from "@inbound/contracts";
import { createQueuedCall } from "@inbound/db";
import { createSuiteEnv, eventually, startTcpProxy, type SuiteEnv, type TcpProxy } from "@inbound/testing";
import { createDialer, type Dialer } from "./create-dialer";
import { captureLogger, createTestOrg, eventPath, NUMBERS, type TestOrg } from "./test-support/fixtures";

/**
 * Call orders (SPEC §9, README "Scheduling without polling"): nothing is kept in Redis for a scheduled call,
 * so a Redis loss never loses one. A call is scheduled; the dialer's Redis goes away (a TCP proxy between the
 * dialer and Redis, cut) and everything the queue held is gone (its keys deleted: a Redis that comes back
 * empty); the call comes due meanwhile on the dialer's fake clock. The due-calls round moves it to `queued`
 * in Postgres without Redis; once Redis is back the call is dialled and completes (its job added by the
 * round, or by the reconciler from Postgres) — exactly once.
 */
let suite: SuiteEnv;
let proxy: TcpProxy;
let dialer: Dialer;
let org: TestOrg;
let now = Date.parse("2026-11-30T16:00:00Z");
const log = captureLogger();

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db.prisma);
  proxy = await startTcpProxy(suite.redisUrl);
  dialer = createDialer({
    config: loadConfig({
      ...suite.env,
      REDIS_URL: proxy.url,
      ORDERS_TICK_MS: "20",
      RECONCILE_INTERVAL_MS: "200",
      RECONCILE_AFTER_MS: "500",
      SIM_RING_MS: "20",
      SIM_TALK_MS: "100",
    }),
    logger: log.logger,
    clock: { now: () => new Date(now) },
  });
  await dialer.start();
}, 60_000);
afterAll(async () => {
  proxy?.restore();
  await dialer?.stop();
  await proxy?.close();
  await suite?.close();
});

test("a call that comes due while Redis is away (and Redis comes back empty) is dialled once and completes", async () => {
  const callId = newId("call");
  const dueAt = new Date(now + 60_000);
  const created = await createQueuedCall(suite.db.pool, {
    callId,
    orgId: org.orgId,
    agentId: org.agentId,
    contactNumber: NUMBERS.connects,
    cost: 1,
    order: {
      status: "scheduled",
      dueAt: dueAt.toISOString(),
      notBefore: dueAt.toISOString(),
      notAfter: null,
      windowStart: null,
      windowEnd: null,
      timeZones: [],
      retryPolicy: null,
      decision: {
        at: new Date(now).toISOString(),
        attempt: 1,
        decision: "defer",
        reason: "not_before",
        until: dueAt.toISOString(),
      },
      policyVersion: 0,
      dedupeWindowMinutes: null,
    },
  });
  expect(created.outcome).toBe("created");

  // Redis goes away for the dialer, and loses everything the queue held.
  proxy.drop();
  const keys = await suite.redis.keys(`${suite.prefix}*`);
  if (keys.length > 0) await suite.redis.del(...keys);

  // The call comes due: the round promotes it in Postgres (no Redis needed)...
  now = dueAt.getTime() + 1_000;
  await eventually(
    async () => (await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } })).status === "queued",
    15_000,
  );
  // ...but nothing can be dialled while its job cannot reach Redis.
  expect(await suite.db.prisma.simulatedProviderCall.count({ where: { callId } })).toBe(0);

  proxy.restore();
  await eventually(
    async () => (await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } })).status === "completed",
    30_000,
  );
  expect(await eventPath(suite.db.prisma, callId)).toEqual([
    "→scheduled",
    "scheduled→queued",
    "queued→dialing",
    "dialing→ringing",
    "ringing→in_progress",
    "in_progress→completed",
  ]);
  expect(await suite.db.prisma.simulatedProviderCall.count({ where: { callId } })).toBe(1);
}, 90_000);
