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

test("kill -9 mid-call: the call ends exactly once (failed/dialer_lost), only after its owner's heartbeat went stale, and is never dialled again", async () => {
  const victim = await dialer({ ...LIVENESS, SIM_TALK_MS: "600000" });
  const victimId = JSON.parse((await victim.waitFor(/\{[^\n]*"msg":"dialer ready"[^\n]*\}/)) as string).dialerId as string;
  const before = await credits(suite.db.prisma, org.orgId);
  const { callId } = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  await inState(callId, "in_progress");
  expect(await callRow(suite.db.prisma, callId)).toMatchObject({ ownerDialerId: victimId });
  const survivor = await dialer(LIVENESS);
  victim.child.kill("SIGKILL");
  expect((await victim.exited).signal).toBe("SIGKILL");

  // BullMQ redelivers the job once its lock expires (JOB_LOCK_MS 2 s) and the reconciler looks too; the
  // call is ended only once the victim's heartbeat is DIALER_DEAD_AFTER_MS old.
  await inState(callId, "failed", 30_000);
  const call = await callRow(suite.db.prisma, callId);
  expect(call).toMatchObject({ endReason: "dialer_lost", attempts: 1 });
  const lastBeat = (await suite.db.prisma.dialer.findUniqueOrThrow({ where: { id: victimId } })).heartbeatAt;
  expect(call.endedAt!.getTime() - lastBeat.getTime()).toBeGreaterThanOrEqual(3000);
  // The job is over in Redis (nothing left to redeliver); the survivor takes later jobs normally.
  await eventually(async () => ["completed", "failed"].includes(await queues.calls.getJobState(callId)), 30_000);
  const next = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.busy });
  await inState(next.callId, "busy");

  expect(await statePath(suite.db.prisma, callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "failed"]);
  expect(await suite.db.prisma.callEvent.count({ where: { callId, toStatus: "failed" } })).toBe(1);
  expect(await dialsOf(suite.db.prisma, callId)).toBe(1);
  // It was answered: the credit is spent and the conversation so far is kept (so the call stays deletable).
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 1);
  expect((await suite.db.prisma.engagement.findUniqueOrThrow({ where: { callId } })).transcript).toContain("Priya Sharma");
  expect((await suite.db.prisma.simulatedProviderCall.findFirstOrThrow({ where: { callId } })).outcome).toBe("hung_up");

  // The survivor keeps working normally, and stops cleanly (its dialers row goes with it).
  expect((await survivor.stop("SIGTERM")).code).toBe(0);
  expect(survivor.output()).toContain('"msg":"dialer stopped"');
  expect(await suite.db.prisma.dialer.count({ where: { id: { not: victimId } } })).toBe(0);
}, 120_000);

test("SIGTERM: in-flight calls finish before the deadline; jobs not started are handed back to another dialer", async () => {
  const draining = await dialer({ DIALER_CONCURRENCY: "1", SIM_TALK_MS: "1500", SHUTDOWN_TIMEOUT_MS: "20000" });
  const first = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  await inState(first.callId, "in_progress");
  const second = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });

  const exit = await draining.stop("SIGTERM");
  expect(exit.code).toBe(0);
  expect(await callStatus(suite.db.prisma, first.callId)).toBe("completed");
  // Not started: still queued, its job waiting in Redis for the next dialer.
  expect(await callStatus(suite.db.prisma, second.callId)).toBe("queued");
  expect(await queues.calls.getJobState(second.callId)).toBe("waiting");
  expect(await dialsOf(suite.db.prisma, second.callId)).toBe(0);

  const next = await dialer();
  await inState(second.callId, "completed");
  expect(await dialsOf(suite.db.prisma, second.callId)).toBe(1);
  expect((await next.stop("SIGTERM")).code).toBe(0);
}, 120_000);

test("SIGTERM past the deadline: calls still up are hung up and end failed/dialer_shutdown consistently; exit 0", async () => {
  const slow = await dialer({ SIM_TALK_MS: "600000", SIM_NO_ANSWER_MS: "600000", SHUTDOWN_TIMEOUT_MS: "500" });
  const before = await credits(suite.db.prisma, org.orgId);
  const talking = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.connects });
  const ringing = await queueCall(suite.db.prisma, queues, org, { number: NUMBERS.noAnswer });
  await inState(talking.callId, "in_progress");
  await inState(ringing.callId, "ringing");

  const exit = await slow.stop("SIGTERM");
  expect(exit.code).toBe(0);
  expect(slow.output()).toContain("shutdown deadline reached");
  expect(await callRow(suite.db.prisma, talking.callId)).toMatchObject({ status: "failed", endReason: "dialer_shutdown" });
  expect(await callRow(suite.db.prisma, ringing.callId)).toMatchObject({ status: "failed", endReason: "dialer_shutdown" });
  // The answered call keeps its credit and its engagement; the ringing one got its credit back.
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 1);
  expect(await suite.db.prisma.engagement.count({ where: { callId: talking.callId } })).toBe(1);
  expect(await suite.db.prisma.engagement.count({ where: { callId: ringing.callId } })).toBe(0);
  for (const id of [talking.callId, ringing.callId]) {
    expect(await dialsOf(suite.db.prisma, id)).toBe(1);
    expect((await suite.db.prisma.simulatedProviderCall.findFirstOrThrow({ where: { callId: id } })).outcome).toBe("hung_up");
    expect(await queues.calls.getJobState(id)).toBe("completed");
  }
}, 120_000);
