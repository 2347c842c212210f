import { loadConfig } from "@inbound/config";
import { newId } from "@inbound/contracts";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import { createDialer, type Dialer } from "./create-dialer";
import { callStatus, captureLogger, createTestOrg, NUMBERS, queueCall, type TestOrg } from "./test-support/fixtures";
import { startTcpProxy, type TcpProxy } from "./test-support/tcp-proxy";

/**
 * What ops watch on a running dialer (issue 5): /metrics after real calls, Bull Board behind ADMIN_KEY,
 * and /readyz answering 503 in bounded time when Postgres or Redis hangs or goes away. Postgres and Redis
 * are reached through TCP proxies the test can freeze (hung server) or drop (server gone).
 */
const ADMIN_KEY = "observability-admin-key-5c1e";
const TIMEOUT_MS = 500;
/** /readyz must answer within the dependency timeouts; the margin only absorbs a busy 2-core machine. */
const READY_BOUND_MS = TIMEOUT_MS + 2500;

let suite: SuiteEnv;
let org: TestOrg;
let pg: TcpProxy;
let redis: TcpProxy;
let dialer: Dialer;
let url: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db.prisma);
  pg = await startTcpProxy(suite.databaseUrl);
  redis = await startTcpProxy(suite.redisUrl);
  const config = loadConfig({
    ...suite.env,
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    DATABASE_TIMEOUT_MS: String(TIMEOUT_MS),
    REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
    ADMIN_KEY,
  });
  dialer = createDialer({ config, logger: captureLogger("silent").logger });
  url = `http://127.0.0.1:${(await dialer.start()).port}`;
});
afterAll(async () => {
  pg?.restore();
  redis?.restore();
  await dialer?.stop();
  await pg?.close();
  await redis?.close();
  await suite?.close();
});

/** Prometheus text → samples, keyed by name and by labels in any order. */
function parseMetrics(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return { find, value: (name: string, labels: Record<string, string> = {}) => find(name, labels)[0]?.value };
}

test("/metrics after calls end: calls by terminal state, job processing time, queue depth by state, Node metrics", async () => {
  const cases = [
    [NUMBERS.connects, "completed"],
    [NUMBERS.busy, "busy"],
    [NUMBERS.noAnswer, "no_answer"],
  ] as const;
  const calls = await Promise.all(cases.map(([number]) => queueCall(suite.db.prisma, dialer.queues, org, { number })));
  for (const [i, { callId }] of calls.entries()) {
    await eventually(async () => (await callStatus(suite.db.prisma, callId)) === cases[i]![1], 20_000);
  }
  // A purge scheduled for later shows in the queue depth (its job holds ids only).
  await dialer.queues.purges.add(
    "purge",
    { callId: newId("call"), orgId: org.orgId },
    { jobId: "purge-later", delay: 3_600_000 },
  );
  await eventually(async () => (await dialer.queues.calls.getJobCounts("active")).active === 0);

  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await res.text();
  const m = parseMetrics(text);

  for (const status of ["completed", "busy", "no_answer"])
    expect({ status, n: m.value("dialer_calls_ended_total", { status }) }).toEqual({ status, n: 1 });
  expect(m.value("dialer_calls_ended_total", { status: "failed" })).toBe(0); // exported before the first one
  expect(m.find("dialer_calls_ended_total", { status: "canceled" })).toEqual([]); // the ingress cancels, not the dialer

  expect(m.value("dialer_job_duration_seconds_count", { queue: "calls", result: "placed" })).toBe(3);
  expect(m.value("dialer_job_duration_seconds_sum", { queue: "calls", result: "placed" })).toBeGreaterThan(0);
  expect(m.value("dialer_job_duration_seconds_bucket", { queue: "calls", result: "placed", le: "+Inf" })).toBe(3);

  for (const queue of ["calls", "purges"])
    for (const state of ["waiting", "active", "delayed", "failed"])
      expect({ queue, state, present: m.value("dialer_queue_jobs", { queue, state }) !== undefined }).toEqual({
        queue,
        state,
        present: true,
      });
  expect(m.value("dialer_queue_jobs", { queue: "purges", state: "delayed" })).toBe(1);
  expect(m.value("dialer_queue_jobs", { queue: "calls", state: "waiting" })).toBe(0);
  expect(m.value("dialer_active_calls")).toBe(0);

  for (const name of [
    "process_cpu_user_seconds_total",
    "process_resident_memory_bytes",
    "nodejs_heap_size_used_bytes",
    "nodejs_eventloop_lag_seconds",
  ])
    expect({ name, present: m.find(name).length > 0 }).toEqual({ name, present: true });

  for (const needle of ["4155552671", "4155550001", ADMIN_KEY]) expect(text).not.toContain(needle);
  await dialer.queues.purges.remove("purge-later");
});

test("Bull Board is mounted at /admin/queues when ADMIN_KEY is set, and lists the dialer's queues", async () => {
  expect((await fetch(`${url}/admin/queues`)).status).toBe(401);
  const res = await fetch(`${url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { queues: { name: string; description: string }[] };
  expect(body.queues.map((q) => q.name).sort()).toEqual(["calls", "purges"]);
  expect(body.queues.every((q) => q.description.includes(suite.prefix))).toBe(true);
  const page = await fetch(`${url}/admin/queues`, {
    headers: { authorization: `Basic ${Buffer.from(`ops:${ADMIN_KEY}`).toString("base64")}` },
  });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<html");
});

describe("/readyz when a dependency hangs or goes away: 503 within the timeouts, 200 again once it is back", () => {
  async function readyz() {
    const started = performance.now();
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: await res.json(), ms: performance.now() - started };
  }
  const readyAgain = () => eventually(async () => (await readyz()).status === 200, 20_000, 100);

  test.each([
    ["Redis", "hangs", () => redis.freeze(), { postgres: true, redis: false }],
    ["Redis", "goes away", () => redis.drop(), { postgres: true, redis: false }],
    ["Postgres", "hangs", () => pg.freeze(), { postgres: false, redis: true }],
    ["Postgres", "goes away", () => pg.drop(), { postgres: false, redis: true }],
  ])("%s %s", async (_name, _how, breakIt, checks) => {
    expect((await readyz()).status).toBe(200);
    breakIt();
    try {
      for (let i = 0; i < 2; i++) {
        const res = await readyz();
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ success: false, error: { code: "service_unavailable" }, checks });
        expect(res.ms).toBeLessThan(READY_BOUND_MS);
      }
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      pg.restore();
      redis.restore();
    }
    await readyAgain();
  });
});
