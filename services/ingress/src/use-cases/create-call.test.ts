import { addCredits, type Database, showOrganization } from "@inbound/db";
import { createQueues, type Queues } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createBody, createTestOrg, dumpRedis, phoneNumber, startIngress, type TestIngress } from "../test-support/harness";

let suite: SuiteEnv;
let ingress: TestIngress;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

const callRow = (id: string) => suite.db.prisma.call.findUnique({ where: { id }, include: { events: true } });
const balance = async (orgId: string) => (await showOrganization(suite.db.prisma, orgId)).credits;

test("201: the call is queued with its credit reserved, its first event, and a job of ids only", async () => {
  const org = await createTestOrg(suite.db, { credits: 5 });
  const res = await ingress.hook(
    org.token,
    createBody(org.agentId, {
      contact_name: "Asha Rao",
      contact_email: "asha@example.com",
      additional_info: { crm_id: "A-17", priority: 2, vip: true, note: null },
    }),
    { "X-Request-Id": "req-create-1" },
  );
  expect(res.status).toBe(201);
  expect(res.body).toEqual({
    success: true,
    call_id: expect.stringMatching(/^call_[a-z0-9]{20}$/),
    status: "queued",
    message: "Call has been queued successfully.",
  });
  expect(res.headers["x-request-id"]).toBe("req-create-1");

  const call = await callRow(res.body.call_id);
  expect(call).toMatchObject({
    orgId: org.orgId,
    agentId: org.agentId,
    status: "queued",
    contactNumber: "+919876543210",
    contactName: "Asha Rao",
    contactEmail: "asha@example.com",
    additionalInfo: { crm_id: "A-17", priority: 2, vip: true, note: null },
    creditsReserved: 1,
    requestId: "req-create-1",
  });
  expect(call?.events.map((e) => [e.fromStatus, e.toStatus])).toEqual([[null, "queued"]]);
  expect(await balance(org.orgId)).toBe(4);

  const job = await ingress.queues.calls.getJob(res.body.call_id);
  expect(job?.id).toBe(res.body.call_id);
  expect(job?.data).toEqual({ orgId: org.orgId });
});

test("400 agent_not_found for an unknown agent and for another organisation's agent; nothing is charged", async () => {
  const org = await createTestOrg(suite.db, { credits: 3 });
  const other = await createTestOrg(suite.db);
  for (const agentId of ["agt_doesnotexist", other.agentId]) {
    const res = await ingress.hook(org.token, createBody(agentId));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: { code: "agent_not_found", message: expect.stringContaining("agent_id"), field: "data.agent_id" },
    });
  }
  expect(await balance(org.orgId)).toBe(3);
  expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(0);
});

test("402 insufficient_credits says the balance and the cost of a call", async () => {
  const org = await createTestOrg(suite.db, { credits: 0 });
  const res = await ingress.hook(org.token, createBody(org.agentId));
  expect(res.status).toBe(402);
  expect(res.body).toEqual({
    success: false,
    error: { code: "insufficient_credits", message: expect.stringMatching(/0 credits.*costs 1/), balance: 0, cost: 1 },
  });
  expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(0);
  await addCredits(suite.db.prisma, { orgId: org.orgId, amount: 1 });
  expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(201);
});

test("50 parallel creates against 10 credits: exactly 10 × 201 and 40 × 402, balance 0", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  const responses = await Promise.all(
    Array.from({ length: 50 }, () => ingress.hook(org.token, createBody(org.agentId, { contact_number: phoneNumber() }))),
  );
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(10);
  expect(statuses.filter((s) => s === 402)).toHaveLength(40);
  for (const r of responses.filter((r) => r.status === 402)) {
    expect(r.body.error).toMatchObject({ code: "insufficient_credits", balance: 0, cost: 1 });
  }
  expect(await balance(org.orgId)).toBe(0);
  expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(10);
  const counts = await ingress.queues.calls.getJobCounts("waiting");
  expect(counts.waiting).toBeGreaterThanOrEqual(10);
});

describe("when Redis refuses or delays the job after the commit", () => {
  let broken: TestIngress;
  let queues: Queues;
  let failAdds = true;

  beforeAll(async () => {
    queues = createQueues(suite.redis, suite.prefix);
    const realAdd = queues.calls.add.bind(queues.calls);
    queues.calls.add = (async (...args: Parameters<typeof realAdd>) => {
      if (failAdds) throw new Error("Connection is closed.");
      return realAdd(...args);
    }) as typeof queues.calls.add;
    broken = await startIngress(suite, { queues });
  });
  afterAll(async () => {
    await broken?.close();
    await queues?.close();
  });

  test("the commit is the point of no return: 201, the call stays queued with its credit, a keyed retry replays it", async () => {
    const org = await createTestOrg(suite.db, { credits: 2 });
    const headers = { "Idempotency-Key": "order-4711" };
    failAdds = true;
    const res = await broken.hook(org.token, createBody(org.agentId), headers);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, status: "queued", call_id: expect.stringMatching(/^call_/) });
    expect(await suite.db.prisma.call.findUnique({ where: { id: res.body.call_id } })).toMatchObject({ status: "queued" });
    expect(await balance(org.orgId)).toBe(1);
    // Its job is the reconciler's duty now (services/dialer reconcile.test.ts: queued calls without a job).
    expect(await queues.calls.getJob(res.body.call_id)).toBeUndefined();
    expect(broken.logs.join("")).toContain("call committed but its job was not enqueued");
    expect(await broken.registry.getSingleMetricAsString("ingress_enqueue_deferred_total")).toMatch(/ 1$/m);

    failAdds = false;
    const retry = await broken.hook(org.token, createBody(org.agentId), headers);
    expect(retry.status).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body.call_id).toBe(res.body.call_id);
    expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(1);
    expect(await balance(org.orgId)).toBe(1);
  });

  test("a 3 s late add (Redis slow, not down) still answers 201 within the Redis timeout, and the late job is the one job", async () => {
    const org = await createTestOrg(suite.db, { credits: 2 });
    const slow = createQueues(suite.redis, suite.prefix);
    const realAdd = slow.calls.add.bind(slow.calls);
    let landed: Promise<unknown> | undefined;
    slow.calls.add = (async (...args: Parameters<typeof realAdd>) => {
      landed = new Promise((r) => setTimeout(r, 3000)).then(() => realAdd(...args));
      return landed;
    }) as typeof slow.calls.add;
    const late = await startIngress(suite, { queues: slow, config: { REDIS_TIMEOUT_MS: "500" } });
    try {
      const res = await late.hook(org.token, createBody(org.agentId));
      expect(res.status).toBe(201);
      await landed;
      expect((await slow.calls.getJob(res.body.call_id))?.data).toEqual({ orgId: org.orgId });
      expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(1);
      expect(await balance(org.orgId)).toBe(1);
    } finally {
      await late.close();
      await slow.close();
    }
  });
});

describe("when the connection breaks under the create statement", () => {
  /** The suite's database, whose create statement runs (or not) and then loses its connection. */
  function breakingDb(runFirst: boolean): Database {
    const pool = new Proxy(suite.db.pool, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return async (config: { name?: string }, ...rest: unknown[]) => {
          if (config?.name === "ingress_create_queued_calls") {
            if (runFirst) await (target.query as (...a: unknown[]) => Promise<unknown>)(config, ...rest);
            throw new Error("Connection terminated unexpectedly");
          }
          return (target.query as (...a: unknown[]) => Promise<unknown>).call(target, config, ...rest);
        };
      },
    });
    return { ...suite.db, pool };
  }

  test("the statement committed before the connection broke: the call is read back and the answer is 201", async () => {
    const org = await createTestOrg(suite.db, { credits: 2 });
    const ingress = await startIngress(suite, { db: breakingDb(true), config: { DATABASE_TIMEOUT_MS: "300" } });
    try {
      const res = await ingress.hook(org.token, createBody(org.agentId));
      expect(res.status).toBe(201);
      expect(await callRow(res.body.call_id)).toMatchObject({ status: "queued", orgId: org.orgId });
      expect(await ingress.queues.calls.getJob(res.body.call_id)).toBeDefined();
      expect(await balance(org.orgId)).toBe(1);
    } finally {
      await ingress.close();
    }
  });

  test("the statement never ran: the call is looked for, not found, and the answer is 503 with nothing committed", async () => {
    const org = await createTestOrg(suite.db, { credits: 2 });
    const ingress = await startIngress(suite, { db: breakingDb(false), config: { DATABASE_TIMEOUT_MS: "300" } });
    try {
      const res = await ingress.hook(org.token, createBody(org.agentId));
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toMatch(/^\d+$/);
      expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(0);
      expect(await balance(org.orgId)).toBe(2);
    } finally {
      await ingress.close();
    }
  });
});

test("after a run of creates, no Redis key or value holds a phone number, name, email or additional_info value", async () => {
  const org = await createTestOrg(suite.db, { credits: 20 });
  const secrets = {
    number: "+14155550123",
    name: "Zanele Mbeki-Quist",
    email: "zanele.quist@example.org",
    info: "ssn-778-21-9911",
  };
  for (let i = 0; i < 5; i++) {
    const res = await ingress.hook(
      org.token,
      createBody(org.agentId, {
        contact_number: secrets.number,
        contact_name: secrets.name,
        contact_email: secrets.email,
        additional_info: { note: secrets.info },
      }),
      { "Idempotency-Key": `pii-${i}` },
    );
    expect(res.status).toBe(201);
  }
  const dump = await dumpRedis(suite);
  expect(dump).toContain(":calls:");
  for (const value of [...Object.values(secrets), "4155550123"]) expect(dump).not.toContain(value);

  const logs = ingress.logs.join("");
  for (const value of [...Object.values(secrets), org.token, org.token.slice(10)]) expect(logs).not.toContain(value);
});
