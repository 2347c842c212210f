import { createTestOrg } from "../test-support/harness";
import { create, createFaultEnv, creditsOf, type FaultEnv } from "./fault-env";

/**
 * Fault: a sender fires the same keyed create 20 times at once, spread over two real ingress processes.
 * Must hold: one call; every other answer is 409 in flight or the replayed 201 naming that call.
 */
let env: FaultEnv;

beforeAll(async () => {
  env = await createFaultEnv();
});
afterAll(() => env?.close());

test("20 concurrent duplicates of one keyed create on two ingress processes: one call, the rest 409 or its replay", async () => {
  const org = await createTestOrg(env.suite.db, { credits: 10 });
  const [a, b] = await Promise.all([env.ingress(), env.ingress()]);
  const headers = { "Idempotency-Key": "zap-7781" };
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => create((i % 2 ? a : b).url, org.token, org.agentId, {}, headers)),
  );
  const originals = responses.filter((r) => r.status === 201 && r.headers["idempotent-replayed"] === undefined);
  const replays = responses.filter((r) => r.status === 201 && r.headers["idempotent-replayed"] === "true");
  const inFlight = responses.filter((r) => r.status === 409);
  expect(originals).toHaveLength(1);
  expect(replays.length + inFlight.length).toBe(19);
  for (const r of replays) expect(r.body.call_id).toBe(originals[0]?.body.call_id);
  for (const r of inFlight) expect(r.body.error).toMatchObject({ code: "idempotency_key_in_flight", field: "Idempotency-Key" });
  expect(await env.suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(1);
  expect(await creditsOf(env, org.orgId)).toBe(9);
  // After the first completed, every repeat is the replay.
  const later = await create(a.url, org.token, org.agentId, {}, headers);
  expect(later.status).toBe(201);
  expect(later.body.call_id).toBe(originals[0]?.body.call_id);
});
