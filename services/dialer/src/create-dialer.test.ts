import { loadConfig } from "@inbound/config";
import { enqueueCall } from "@inbound/queue";
import { Client } from "pg";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import {
  createBody,
  createTestOrg,
  dumpRedis,
  send,
  startIngress,
  type TestIngress,
  type TestOrg,
} from "../../ingress/src/test-support/harness";
import { createDialer, type Dialer } from "./create-dialer";
import { SimulatedProvider } from "./telephony/simulated-provider";
import {
  callRow,
  callStatus,
  captureLogger,
  createTestOrg as createDialerOrg,
  credits,
  dialsOf,
  NUMBERS,
  queueCall,
  statePath,
  until,
} from "./test-support/fixtures";

/**
 * The dialer service in-process (BullMQ workers, reconciler, probe server) behind the real ingress app:
 * webhook in, call states out, against real Postgres and Redis.
 */
let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;
let dialer: Dialer;
let dialerUrl: string;
const log = captureLogger();

const TERMINAL = ["completed", "no_answer", "busy", "failed", "canceled"];

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: 100 });
});
afterAll(async () => {
  await dialer?.stop();
  await ingress?.close();
  await suite?.close();
});

async function create(number: string, data: Record<string, unknown> = {}) {
  const res = await ingress.hook(org.token, createBody(org.agentId, { contact_number: number, ...data }));
  expect(res.status).toBe(201);
  return res.body.call_id as string;
}
const cancel = (callId: string) => ingress.hook(org.token, { action: "call.cancel", data: { call_id: callId } });
const remove = (callId: string) => ingress.hook(org.token, { action: "call.delete", data: { call_id: callId } });
const ended = (callId: string) => eventually(async () => TERMINAL.includes(await callStatus(suite.db.prisma, callId)), 20_000);

test("cancel while queued (no dialer running yet): 200, job removed, credit back, and it is never dialled", async () => {
  const before = await credits(suite.db.prisma, org.orgId);
  const callId = await create(NUMBERS.connects);
  expect(await ingress.queues.calls.getJobState(callId)).toBe("waiting");
  const res = await cancel(callId);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ success: true, call_id: callId, status: "canceled" });
  expect(await ingress.queues.calls.getJobState(callId)).toBe("unknown");
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before);
  canceledBeforeStart.push(callId);
});
const canceledBeforeStart: string[] = [];

describe("with the dialer running", () => {
  beforeAll(async () => {
    dialer = createDialer({ config: loadConfig({ ...suite.env, LOG_LEVEL: "info" }), logger: log.logger });
    const { port } = await dialer.start();
    dialerUrl = `http://127.0.0.1:${port}`;
  });

  test("it logs `dialer ready` and answers /healthz, /readyz and /metrics", async () => {
    expect(log.lines().some((l) => l.msg === "dialer ready")).toBe(true);
    expect((await send(dialerUrl, "/healthz", { method: "GET" })).status).toBe(200);
    const ready = await send(dialerUrl, "/readyz", { method: "GET" });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", checks: { postgres: true, redis: true } });
    const metrics = await send(dialerUrl, "/metrics", { method: "GET" });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/dialer_queue_jobs\{queue="calls",state="waiting"\} \d+/);
    expect(metrics.text).toContain("dialer_active_calls");
    expect(metrics.text).toContain("process_cpu_user_seconds_total");
  });

  test("each simulated outcome, webhook to terminal state: states in order, events, credits, engagement only when connected", async () => {
    const before = await credits(suite.db.prisma, org.orgId);
    const cases = [
      [NUMBERS.connects, ["queued", "dialing", "ringing", "in_progress", "completed"], true],
      [NUMBERS.connectsIndia, ["queued", "dialing", "ringing", "in_progress", "completed"], true],
      [NUMBERS.noAnswer, ["queued", "dialing", "ringing", "no_answer"], false],
      [NUMBERS.busy, ["queued", "dialing", "ringing", "busy"], false],
      [NUMBERS.fails, ["queued", "dialing", "failed"], false],
      [NUMBERS.transientThenConnects, ["queued", "dialing", "ringing", "in_progress", "completed"], true],
    ] as const;
    const ids = await Promise.all(
      cases.map(([number]) => create(number, { contact_name: "Asha Rao", additional_info: { plan: "gold" } })),
    );
    await Promise.all(ids.map(ended));
    for (const [i, [number, path, connected]] of cases.entries()) {
      const callId = ids[i]!;
      expect({ number, path: await statePath(suite.db.prisma, callId) }).toEqual({ number, path });
      const call = await callRow(suite.db.prisma, callId);
      expect(call.attempts).toBe(number === NUMBERS.transientThenConnects ? 2 : 1);
      expect(await dialsOf(suite.db.prisma, callId)).toBe(call.attempts);
      expect(await suite.db.prisma.engagement.count({ where: { callId } })).toBe(connected ? 1 : 0);
      const events = await suite.db.prisma.callEvent.findMany({ where: { callId } });
      for (const e of events) expect(e.at).toBeInstanceOf(Date);
    }
    // Three connected calls keep their credit; the three others got theirs back.
    expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 3);
    const transient = await suite.db.prisma.callEvent.findMany({
      where: { callId: ids[5]!, fromStatus: "dialing", toStatus: "dialing" },
    });
    expect(transient.map((e) => e.detail)).toEqual([
      expect.stringMatching(/attempt 1 failed: carrier_timeout \(transient\); retry in \d+ ms/),
    ]);
    const metrics = await send(dialerUrl, "/metrics", { method: "GET" });
    expect(metrics.text).toMatch(/dialer_calls_ended_total\{status="completed"\} [3-9]/);
    expect(metrics.text).toMatch(/dialer_provider_errors_total\{code="carrier_timeout",transient="true"\} 1/);
  });

  test("the call canceled while queued was never dialled", async () => {
    for (const callId of canceledBeforeStart) {
      expect(await callStatus(suite.db.prisma, callId)).toBe("canceled");
      expect(await dialsOf(suite.db.prisma, callId)).toBe(0);
    }
  });

  /**
   * The race forced, both ways: the test holds the call's row lock while the dialer's claim (queued → dialing)
   * and the ingress' cancel both arrive and block on it, in a chosen order (seen in pg_stat_activity); then
   * it lets go. Both statements were in flight on the same row at once, and Postgres serves them in order.
   */
  test.each(["the claim", "the cancel"] as const)(
    "cancel racing the dialer's claim, forced (%s first): one wins; a canceled call is never dialled, a lost cancel is 409",
    async (first) => {
      const before = await credits(suite.db.prisma, org.orgId);
      const { callId } = await queueCall(suite.db.prisma, null, { orgId: org.orgId, agentId: org.agentId }, {
        number: NUMBERS.noAnswer,
        enqueue: false,
      });
      const lock = new Client({ connectionString: suite.databaseUrl, application_name: "race-lock" });
      await lock.connect();
      try {
        await lock.query("BEGIN");
        await lock.query("SELECT 1 FROM calls WHERE id = $1 FOR UPDATE", [callId]);
        const blocked = async (app: string) =>
          (
            await suite.db.pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = $1`,
              [app],
            )
          ).rows[0]!.n === 1;
        const claim = () => enqueueCall(ingress.queues, { callId, orgId: org.orgId });
        let answer: ReturnType<typeof cancel>;
        if (first === "the claim") {
          await claim();
          await eventually(() => blocked("dialer"));
          answer = cancel(callId);
          await eventually(() => blocked("inbound-calls"));
        } else {
          answer = cancel(callId);
          await eventually(() => blocked("inbound-calls"));
          await claim(); // (the reconciler may have enqueued it already: the same job id, added once)
          await eventually(() => blocked("dialer"));
        }
        await lock.query("COMMIT");
        const res = await answer;
        await ended(callId);
        if (first === "the cancel") {
          expect(res.status).toBe(200);
          expect(await callStatus(suite.db.prisma, callId)).toBe("canceled");
          expect(await dialsOf(suite.db.prisma, callId)).toBe(0);
        } else {
          expect(res.status).toBe(409);
          // The status the cancel found once the claim let go: dialing, or later if the dialer was quicker.
          expect(res.body.error).toMatchObject({ code: "call_not_cancelable" });
          expect(["dialing", "ringing", "no_answer"]).toContain(res.body.error.status);
          expect(await callStatus(suite.db.prisma, callId)).toBe("no_answer");
          expect(await dialsOf(suite.db.prisma, callId)).toBe(1);
        }
        expect(await suite.db.prisma.callEvent.count({ where: { callId, toStatus: { in: ["canceled", "no_answer"] } } })).toBe(1);
        expect(await credits(suite.db.prisma, org.orgId)).toBe(before); // never connected: the credit came back once
      } finally {
        await lock.end();
      }
    },
  );

  test("delete after a completed call, then the purge: no PII left in Postgres or Redis; audit shows both parts done", async () => {
    const pii = {
      contact_number: "+919812345678", // used by no other call of this suite
      contact_name: "Marguerite Delacroix-Fontaine",
      contact_email: "marguerite.df@example.net",
      additional_info: { favourite_bird: "kingfisher-azure", loyalty_code: "LC-998877" },
    };
    const callId = await create(pii.contact_number, {
      contact_name: pii.contact_name,
      contact_email: pii.contact_email,
      additional_info: pii.additional_info,
    });
    await ended(callId);
    expect(await callStatus(suite.db.prisma, callId)).toBe("completed");
    const engagement = await suite.db.prisma.engagement.findUniqueOrThrow({ where: { callId } });
    expect(engagement.transcript).toContain(pii.contact_name);
    const recordingUrl = (engagement.recording as { url: string }).url;

    const res = await remove(callId);
    expect(res.status).toBe(200);
    const audit = await until(async () => {
      const row = await suite.db.prisma.callDeletion.findUnique({ where: { callId } });
      return row?.providerPurgedAt ? row : false;
    });
    expect(audit.databaseErasedAt).toBeInstanceOf(Date);
    expect(audit.providerAttempts).toBe(1);
    await eventually(async () => (await ingress.queues.purges.getJobState(`purge-${callId}`)) !== "active");

    const needles = [
      "9812345678",
      pii.contact_name,
      "Marguerite",
      pii.contact_email,
      "kingfisher-azure",
      "LC-998877",
      recordingUrl,
      engagement.transcript!,
    ];
    const tables = await suite.db.prisma.$queryRaw<{ tablename: string }[]>`
      SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`;
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(["calls", "engagements", "simulated_provider_calls", "call_events"]),
    );
    let everything = "";
    for (const { tablename } of tables) {
      const rows = await suite.db.prisma.$queryRawUnsafe<{ row: string }[]>(
        `SELECT row_to_json(t)::text AS row FROM "${tablename}" t`,
      );
      everything += rows.map((r) => r.row).join("\n");
    }
    // The other calls of this suite used other names; this one's data must be gone everywhere.
    for (const needle of needles)
      expect({ needle, inPostgres: everything.includes(needle) }).toEqual({ needle, inPostgres: false });
    const redis = await dumpRedis(suite);
    expect(redis.length).toBeGreaterThan(0);
    for (const needle of needles) expect({ needle, inRedis: redis.includes(needle) }).toEqual({ needle, inRedis: false });

    expect((await remove(callId)).status).toBe(404);
    expect((await cancel(callId)).status).toBe(404);
  });

  test("reconciler: a queued call whose job never reached Redis (or was deleted from it) gets dialled", async () => {
    const lost = await queueCall(suite.db.prisma, null, { orgId: org.orgId, agentId: org.agentId }, { number: NUMBERS.busy });
    expect(await ingress.queues.calls.getJobState(lost.callId)).toBe("unknown");
    await ended(lost.callId);
    expect(await statePath(suite.db.prisma, lost.callId)).toEqual(["queued", "dialing", "ringing", "busy"]);
    expect(await dialsOf(suite.db.prisma, lost.callId)).toBe(1);
    expect(log.lines().some((l) => l.msg === "queued call had no job: enqueued again" && l.callId === lost.callId)).toBe(true);
  });

  test("a malformed job fails at once, for good (UnrecoverableError: no retry), naming the field only", async () => {
    const calls = await ingress.queues.calls.add("dial", { orgId: "+49 151 2345678" }, { jobId: "call_malformed" });
    const purges = await ingress.queues.purges.add("purge", { callId: "call_x" } as never, { jobId: "purge-malformed", attempts: 5 });
    for (const [queue, job, reason] of [
      [ingress.queues.calls, calls, "invalid calls job: orgId"],
      [ingress.queues.purges, purges, "invalid purges job: orgId"],
    ] as const) {
      await eventually(async () => (await queue.getJobState(job.id!)) === "failed", 20_000);
      const failed = await queue.getJob(job.id!);
      expect({ reason: failed?.failedReason, attemptsMade: failed?.attemptsMade }).toEqual({ reason, attemptsMade: 1 });
    }
  });

  test("nothing the dialer logged carries PII", () => {
    const text = log.text();
    for (const needle of ["4155552671", "9876543210", "Asha Rao", "Marguerite", "example.net", "kingfisher"])
      expect(text).not.toContain(needle);
  });
});

test("/readyz answers 503 naming the dependency that is down; /healthz stays 200", async () => {
  const config = loadConfig({
    ...suite.env,
    DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:1/none",
    DATABASE_TIMEOUT_MS: "500",
    REDIS_PREFIX: `${suite.prefix}readyz`,
  });
  const broken = createDialer({ config, logger: captureLogger("silent").logger });
  const { port } = await broken.start();
  try {
    const url = `http://127.0.0.1:${port}`;
    const ready = await send(url, "/readyz", { method: "GET" });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      success: false,
      error: { code: "service_unavailable", message: "Not ready: postgres unavailable." },
      checks: { postgres: false, redis: true },
    });
    expect((await send(url, "/healthz", { method: "GET" })).status).toBe(200);
  } finally {
    await broken.stop();
  }
});

test("at the shutdown deadline the placement in flight is aborted through BullMQ's processor signal; the stop is clean", async () => {
  const dialerOrg = await createDialerOrg(suite.db.prisma);
  const config = loadConfig({ ...suite.env, REDIS_PREFIX: `${suite.prefix}abort`, SHUTDOWN_TIMEOUT_MS: "300" });
  const provider = new SimulatedProvider(suite.db.pool, { ringMs: 1, talkMs: 1, noAnswerMs: 1 });
  const placing: { started: boolean; abortedWith?: unknown } = { started: false };
  provider.placeCall = (_target, signal) => {
    placing.started = true;
    // Never answers by itself: only the abort ends it.
    return new Promise((_, reject) =>
      signal.addEventListener("abort", () => {
        placing.abortedWith = signal.reason;
        reject(new Error("aborted"));
      }),
    );
  };
  const hanging = createDialer({ config, logger: captureLogger("silent").logger, provider });
  await hanging.start();
  const { callId } = await queueCall(suite.db.prisma, hanging.queues, dialerOrg);
  try {
    await eventually(async () => placing.started, 20_000);
  } finally {
    const report = await hanging.stop();
    expect(report).toEqual({ clean: true, abandonedJobs: 0 });
  }
  expect(placing.abortedWith).toBe("dialer_shutdown");
  expect(await callStatus(suite.db.prisma, callId)).toBe("dialing"); // left to the reconciler to re-attach
});
