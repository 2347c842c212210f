import { TERMINAL_STATUSES } from "@inbound/contracts";
import { eventually, startTcpProxy, type TcpProxy } from "@inbound/testing";
import { createTestOrg, type HttpResponse, phoneNumber } from "../test-support/harness";
import { create, createFaultEnv, creditsOf, dialsOf, type FaultEnv } from "./fault-env";

/**
 * Fault: Postgres goes away under load (every connection reset, new ones refused, as in a restart) and
 * comes back 1.5 s later, for a real ingress and a real dialer. Must hold: no 500s (201 or 503 only);
 * every 201 call is dialled exactly once and ends; no call exists that the sender was not told about
 * (a 503 means nothing was committed); the balance is exact.
 */
let env: FaultEnv;
let proxy: TcpProxy;

// Setup, the load and then up to 60 s (the `eventually` below) for every call to end: more than jest's
// default 60 s when the suite shares two cores with the rest of the run (it timed out there once).
jest.setTimeout(150_000);

beforeAll(async () => {
  env = await createFaultEnv();
  proxy = await startTcpProxy(env.suite.env.DATABASE_URL as string);
});
afterAll(async () => {
  proxy?.restore();
  await env?.close();
  await proxy?.close();
});

test("Postgres restart under load: 201 or 503 only, no call behind a 503, each 201 dialled exactly once and ended, exact balance", async () => {
  const initial = 1000;
  const org = await createTestOrg(env.suite.db, { credits: initial });
  const viaProxy = { DATABASE_URL: proxy.url, DATABASE_TIMEOUT_MS: "1000" };
  const ingress = await env.ingress(viaProxy);
  const dialer = await env.dialer({ ...viaProxy, RECONCILE_INTERVAL_MS: "500", RECONCILE_AFTER_MS: "1000" });

  const total = 150;
  const responses: HttpResponse[] = [];
  let sent = 0;
  let outage: Promise<void> | undefined;
  const worker = async () => {
    while (sent < total) {
      sent += 1;
      responses.push(await create(ingress.url, org.token, org.agentId, { contact_number: phoneNumber() }));
      if (responses.length === 40 && !outage) {
        proxy.drop();
        outage = new Promise((resolve) =>
          setTimeout(() => {
            proxy.restore();
            resolve();
          }, 1500),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  await outage;

  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
  expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0); // the outage was felt
  for (const r of responses.filter((r) => r.status === 503)) {
    expect(r.headers["retry-after"]).toMatch(/^\d+$/);
    expect(r.body.error.code).toBe("service_unavailable");
  }
  const answered = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.call_id as string));

  // Every call that exists was answered 201: a 503 left nothing behind.
  const calls = await env.suite.db.prisma.call.findMany({ where: { orgId: org.orgId }, select: { id: true } });
  expect(calls.map((c) => c.id).sort()).toEqual([...answered].sort());

  // Each ends, dialled exactly once.
  await eventually(
    async () =>
      (await env.suite.db.prisma.call.findMany({ where: { orgId: org.orgId }, select: { status: true } })).every((c) =>
        TERMINAL_STATUSES.has(c.status as never),
      ),
    60_000,
    200,
  );
  // Exactly once: a dial whose placing failed while Postgres was away was certainly not placed (the
  // simulated provider finds every dial by our reference), so its next attempt placed it.
  for (const id of answered) expect({ id, dials: await dialsOf(env, id) }).toEqual({ id, dials: 1 });

  // Exact balance: one credit per call, back for each call that never connected.
  const refunded = await env.suite.db.prisma.call.count({
    where: { orgId: org.orgId, status: { in: ["failed", "no_answer", "busy", "canceled"] }, engagement: null },
  });
  expect(await creditsOf(env, org.orgId)).toBe(initial - answered.size + refunded);
  expect(ingress.proc.output()).not.toMatch(/"level":"error".*unexpected error/);
  expect(dialer.child.exitCode).toBeNull();
});
