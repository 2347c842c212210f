import { createServer } from "node:net";
import { createQueues, type Queues } from "@inbound/queue";
import { createSuiteEnv, eventually, type ServiceProcess, startProcess, type SuiteEnv } from "@inbound/testing";
import { SHUTDOWN_GRACE_MS } from "./create-dialer";
import { callRow, callStatus, createTestOrg, NUMBERS, queueCall, type TestOrg } from "./test-support/fixtures";
import { startTcpProxy, type TcpProxy } from "./test-support/tcp-proxy";

/**
 * SIGTERM always ends a dialer process within SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS, whatever Redis and
 * Postgres do: exit 0 when every call it held ended consistently, 1 when it had to leave a job running.
 */
let suite: SuiteEnv;
let queues: Queues;
let org: TestOrg;
const started: ServiceProcess[] = [];
const proxies: TcpProxy[] = [];
/** Process start-up and exit on a busy 2-core machine; the bounds under test are far larger than this. */
const PROCESS_MARGIN_MS = 3000;

beforeAll(async () => {
  suite = await createSuiteEnv();
  queues = createQueues(suite.redis, suite.prefix);
  org = await createTestOrg(suite.db.prisma);
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop("SIGKILL")));
  for (const proxy of proxies) {
    proxy.restore();
    await proxy.close();
  }
  await queues?.close();
  await suite?.close();
});

function dialer(env: Record<string, string>): ServiceProcess {
  const proc = startProcess("services/dialer/src/main.ts", { ...suite.env, LOG_LEVEL: "info", ...env });
  started.push(proc);
  return proc;
}

async function proxy(url: string): Promise<TcpProxy> {
  const p = await startTcpProxy(url);
  proxies.push(p);
  return p;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function terminate(proc: ServiceProcess) {
  const at = performance.now();
  const exit = await proc.stop("SIGTERM");
  return { code: exit.code, ms: performance.now() - at };
}

const inState = (callId: string, status: string) =>
  eventually(async () => (await callStatus(suite.db.prisma, callId)) === status, 20_000);

test("Redis unreachable from the start: the dialer waits for it, and SIGTERM ends it at once with exit 0", async () => {
  const proc = dialer({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, SHUTDOWN_TIMEOUT_MS: "20000" });
  await proc.waitFor(/"msg":"worker error \(Redis unreachable\? retrying\)"/, 30_000);
  const { code, ms } = await terminate(proc);
  expect(code).toBe(0);
  // Nothing was in flight: no reason to wait for the 20 s deadline.
  expect(ms).toBeLessThan(5000);
  expect(proc.output()).toContain('"msg":"dialer stopped"');
}, 60_000);

test("Redis hangs mid-call: SIGTERM exits 0 in time and leaves the call live at the provider; it ends normally later", async () => {
  const redis = await proxy(suite.redisUrl);
  const proc = dialer({ REDIS_URL: redis.url, SIM_TALK_MS: "3000", SHUTDOWN_TIMEOUT_MS: "1000" });
  await proc.waitFor(/"msg":"dialer ready"/, 60_000);
  const { callId } = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  await inState(callId, "in_progress");
  redis.freeze();
  const { code, ms } = await terminate(proc);
  expect(code).toBe(0);
  expect(ms).toBeLessThan(1000 + SHUTDOWN_GRACE_MS + PROCESS_MARGIN_MS);
  expect(await callStatus(suite.db.prisma, callId)).toBe("in_progress"); // not ended by a shutdown
  redis.restore();
  const next = dialer({});
  await next.waitFor(/"msg":"dialer ready"/, 60_000);
  await inState(callId, "completed");
  expect((await terminate(next)).code).toBe(0);
}, 90_000);

test("Postgres hangs mid-call: the process still exits in time; another dialer carries the call on to its normal end", async () => {
  const pg = await proxy(suite.databaseUrl);
  const proc = dialer({
    DATABASE_URL: pg.url,
    DATABASE_TIMEOUT_MS: "60000", // statements hang longer than the shutdown may wait
    SIM_TALK_MS: "3000",
    SHUTDOWN_TIMEOUT_MS: "500",
  });
  await proc.waitFor(/"msg":"dialer ready"/, 60_000);
  const { callId } = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  await inState(callId, "in_progress");
  pg.freeze();
  const { ms } = await terminate(proc);
  expect(ms).toBeLessThan(500 + SHUTDOWN_GRACE_MS + PROCESS_MARGIN_MS);
  expect(await callStatus(suite.db.prisma, callId)).toBe("in_progress");

  const survivor = dialer({});
  await survivor.waitFor(/"msg":"dialer ready"/, 60_000);
  await inState(callId, "completed");
  expect(await callRow(suite.db.prisma, callId)).toMatchObject({ endReason: null, attempts: 1 });
  expect((await terminate(survivor)).code).toBe(0);
}, 120_000);
