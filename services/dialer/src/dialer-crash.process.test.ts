import { createSuiteEnv, eventually, type ServiceProcess, startProcess, type SuiteEnv } from "@inbound/testing";
import { createQueues, type Queues } from "@inbound/queue";
import {
  callRow,
  callStatus,
  createTestOrg,
  credits,
  dialsOf,
  NUMBERS,
  queueCall,
  statePath,
  type TestOrg,
} from "./test-support/fixtures";

/** Real dialer processes killed with SIGKILL or stopped with SIGTERM in the middle of calls. */
let suite: SuiteEnv;
let queues: Queues;
let org: TestOrg;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  suite = await createSuiteEnv();
  queues = createQueues(suite.redis, suite.prefix);
  org = await createTestOrg(suite.db.prisma);
});
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop("SIGKILL")));
  await queues?.close();
  await suite?.close();
});

async function dialer(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const proc = startProcess("services/dialer/src/main.ts", { ...suite.env, LOG_LEVEL: "info", ...env });
  started.push(proc);
  await proc.waitFor(/"msg":"dialer ready"/, 60_000);
  return proc;
}

const inState = (callId: string, status: string, timeoutMs = 20_000) =>
  eventually(async () => (await callStatus(suite.db.prisma, callId)) === status, timeoutMs);

/** Liveness settings of this file's dialers: a killed dialer counts as dead 3 s after its last heartbeat. */
const LIVENESS = { DIALER_HEARTBEAT_MS: "250", DIALER_DEAD_AFTER_MS: "3000" };

test("kill -9 mid-call: the call lives at the provider and finishes normally (completed, full engagement), dialled once, ended once", async () => {
  const victim = await dialer({ ...LIVENESS, SIM_TALK_MS: "4000" });
  const victimId = JSON.parse((await victim.waitFor(/\{[^\n]*"msg":"dialer ready"[^\n]*\}/)) as string).dialerId as string;
  const before = await credits(suite.db.prisma, org.orgId);
  const { callId } = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  await inState(callId, "in_progress");
  expect(await callRow(suite.db.prisma, callId)).toMatchObject({ ownerDialerId: victimId });
  victim.child.kill("SIGKILL");
  expect((await victim.exited).signal).toBe("SIGKILL");
  const survivor = await dialer(LIVENESS);

  // The provider's clock and its events are in Postgres: the survivor carries them on.
  await inState(callId, "completed", 30_000);
  const call = await callRow(suite.db.prisma, callId);
  expect(call).toMatchObject({ endReason: null, attempts: 1 });
  expect(await statePath(suite.db.prisma, callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
  expect(await suite.db.prisma.callEvent.count({ where: { callId, toStatus: "completed" } })).toBe(1);
  expect(await dialsOf(suite.db.prisma, callId)).toBe(1);
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 1);
  const engagement = await suite.db.prisma.engagement.findUniqueOrThrow({ where: { callId } });
  expect(engagement.transcript).toContain("Thanks, bye."); // the whole conversation, not a cut one
  expect(engagement.durationSeconds).toBeGreaterThanOrEqual(3);
  const next = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.busy });
  await inState(next.callId, "busy");

  expect((await survivor.stop("SIGTERM")).code).toBe(0);
  expect(survivor.output()).toContain('"msg":"dialer stopped"');
}, 120_000);

test("SIGTERM mid-call: the dialer exits 0 at once and leaves its calls live at the provider; another dialer carries them to their end", async () => {
  const draining = await dialer({ SIM_TALK_MS: "3000", SHUTDOWN_TIMEOUT_MS: "20000" });
  const { callId } = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  await inState(callId, "in_progress");
  const stoppedAt = performance.now();
  expect((await draining.stop("SIGTERM")).code).toBe(0);
  expect(performance.now() - stoppedAt).toBeLessThan(10_000); // nothing waits for the call to end
  expect(await callStatus(suite.db.prisma, callId)).toBe("in_progress");
  const second = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  expect(await queues.calls.getJobState(second.callId)).toBe("waiting"); // no dialer took it

  const next = await dialer();
  await inState(callId, "completed");
  await inState(second.callId, "completed");
  for (const id of [callId, second.callId]) expect(await dialsOf(suite.db.prisma, id)).toBe(1);
  expect((await next.stop("SIGTERM")).code).toBe(0);
}, 120_000);
