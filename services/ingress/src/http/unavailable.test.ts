import { createServer } from "node:net";
import { createDatabase, type Database } from "@inbound/db";
import { createQueues, createRedis, type Queues } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import type { Redis } from "ioredis";
import { createBody, createTestOrg, send, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

let suite: SuiteEnv;
let org: TestOrg;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db, { credits: 10 });
});

afterAll(async () => {
  await suite?.close();
});

async function expect503(ingress: TestIngress) {
  const started = Date.now();
  const res = await ingress.hook(org.token, createBody(org.agentId));
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(res.status).toBe(503);
  expect(res.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
  expect(res.body).toEqual({ success: false, error: { code: "service_unavailable", message: expect.any(String) } });
  const ready = await send(ingress.internalUrl, "/readyz", { method: "GET" });
  expect(ready.status).toBe(503);
  expect(ready.headers["retry-after"]).toBeDefined();
  expect((await send(ingress.url, "/healthz", { method: "GET" })).status).toBe(200);
}

describe("Postgres unavailable", () => {
  let db: Database;
  let ingress: TestIngress;
  beforeAll(async () => {
    db = createDatabase({ url: `postgresql://postgres:postgres@127.0.0.1:${await closedPort()}/nothing`, timeoutMs: 1000 });
    ingress = await startIngress(suite, { db });
  });
  afterAll(async () => {
    await ingress?.close();
    await db?.close();
  });

  test("→ 503 service_unavailable with Retry-After, quickly; /readyz 503, /healthz 200", async () => {
    await expect503(ingress);
    expect(ingress.logs.join("")).not.toContain(org.token);
  });
});

describe("Redis unavailable", () => {
  let redis: Redis;
  let queues: Queues;
  let ingress: TestIngress;
  beforeAll(async () => {
    redis = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, timeoutMs: 500, role: "client" });
    queues = createQueues(redis, suite.prefix);
    ingress = await startIngress(suite, { redis, queues });
  });
  afterAll(async () => {
    await ingress?.close();
    redis?.disconnect();
  });

  test("→ 503 service_unavailable with Retry-After, quickly; nothing is created or charged", async () => {
    await expect503(ingress);
    expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(0);
    expect((await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits).toBe(10);
  });
});

describe("Redis stops answering between the quota and the job (the queue's connection never came up)", () => {
  let redis: Redis;
  let queues: Queues;
  let ingress: TestIngress;
  beforeAll(async () => {
    redis = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, timeoutMs: 500, role: "client" });
    queues = createQueues(redis, suite.prefix);
    // Quota and replay guard on the live Redis; BullMQ on a dead one (it waits forever for a connection).
    ingress = await startIngress(suite, { queues, config: { REDIS_TIMEOUT_MS: "500" } });
  });
  afterAll(async () => {
    await ingress?.close();
    redis?.disconnect();
  });

  test("→ 201 within the Redis timeout: the call is committed (point of no return), queued for the reconciler", async () => {
    const started = Date.now();
    const res = await ingress.hook(org.token, createBody(org.agentId), { "Idempotency-Key": "k1" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(201);
    expect(await suite.db.prisma.call.findUnique({ where: { id: res.body.call_id } })).toMatchObject({ status: "queued" });
    expect((await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits).toBe(9);
    expect(await suite.db.prisma.idempotencyRecord.findMany({ where: { orgId: org.orgId } })).toMatchObject([
      { key: "k1", responseStatus: 201, callId: res.body.call_id },
    ]);
  });
});
