import { eraseCall, heartbeatDialer, transitionCall } from "@inbound/db";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import type { DialerContext } from "../context";
import { ProviderError, type TelephonyProvider } from "../telephony/provider";
import { SimulatedProvider } from "../telephony/simulated-provider";
import {
  callRow,
  captureLogger,
  credits,
  createTestOrg,
  dialsOf,
  eventPath,
  NUMBERS,
  queueCall,
  statePath,
  type TestOrg,
  testContext,
} from "../test-support/fixtures";
import { dialCall } from "./dial-call";

let suite: SuiteEnv;
let org: TestOrg;
let ctx: DialerContext;

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db.prisma);
  ctx = testContext(suite);
});
afterAll(() => suite.close());

const never = new AbortController().signal;
const prisma = () => suite.db.prisma;

async function dial(callId: string, context = ctx, signal = never) {
  return dialCall(context, { callId, orgId: org.orgId }, signal);
}

describe("each simulated outcome", () => {
  test("a connecting number: queued → dialing → ringing → in_progress → completed, engagement recorded, credit kept", async () => {
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.connects });
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
    expect(await dial(callId)).toEqual({ kind: "ended", status: "completed" });
    expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
    const call = await callRow(prisma(), callId);
    expect(call).toMatchObject({ status: "completed", attempts: 1, endReason: null, retryPendingAt: null });
    for (const stamp of [call.dialingAt, call.ringingAt, call.answeredAt, call.endedAt]) expect(stamp).toBeInstanceOf(Date);
    expect(call.providerCallId).toMatch(/^sim_/);
    const engagement = await prisma().engagement.findUniqueOrThrow({ where: { callId } });
    expect(engagement.transcript).toContain("Priya Sharma");
    expect(engagement.recording).toMatchObject({ provider_call_id: call.providerCallId, format: "audio/wav" });
    expect(engagement.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
    expect(await dialsOf(prisma(), callId)).toBe(1);
  });

  test.each([
    [NUMBERS.noAnswer, "no_answer", ["queued", "dialing", "ringing", "no_answer"]],
    [NUMBERS.busy, "busy", ["queued", "dialing", "ringing", "busy"]],
    [NUMBERS.fails, "failed", ["queued", "dialing", "failed"]],
  ] as const)("%s ends %s, refunded, no engagement", async (number, status, path) => {
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number });
    const result = await dial(callId);
    expect(result).toMatchObject({ kind: "ended", status });
    expect(await statePath(prisma(), callId)).toEqual(path);
    expect(await credits(prisma(), org.orgId)).toBe(before);
    expect(await prisma().engagement.count({ where: { callId } })).toBe(0);
    expect(await dialsOf(prisma(), callId)).toBe(1);
    const call = await callRow(prisma(), callId);
    expect(call.endedAt).toBeInstanceOf(Date);
    expect(call.endReason).toBe(status === "failed" ? "destination_unreachable" : status);
  });
});

describe("transient provider errors", () => {
  test("0003: attempt 1 fails transiently, the retry waits (recoverable), attempt 2 connects", async () => {
    const slowBackoff = testContext(suite, { backoffMs: 5000 });
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.transientThenConnects });
    expect(await dial(callId, slowBackoff)).toEqual({ kind: "retry", delayMs: 5000 });
    let call = await callRow(prisma(), callId);
    expect(call).toMatchObject({ status: "dialing", attempts: 1 });
    expect(call.retryPendingAt).toBeInstanceOf(Date);
    expect(await eventPath(prisma(), callId)).toEqual(["→queued", "queued→dialing", "dialing→dialing"]);

    // Delivered again before the retry is due (a duplicate, or a crash before the delay): it only waits.
    const early = await dial(callId, slowBackoff);
    expect(early.kind).toBe("retry");
    expect(early.kind === "retry" && early.delayMs > 0 && early.delayMs <= 5000).toBe(true);
    expect(await dialsOf(prisma(), callId)).toBe(1);

    await prisma().call.update({ where: { id: callId }, data: { retryPendingAt: new Date(Date.now() - 1000) } });
    expect(await dial(callId, slowBackoff)).toEqual({ kind: "ended", status: "completed" });
    call = await callRow(prisma(), callId);
    expect(call).toMatchObject({ status: "completed", attempts: 2, retryPendingAt: null });
    expect(await dialsOf(prisma(), callId)).toBe(2);
    expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
  });

  test("backoff doubles per attempt; after DIAL_MAX_ATTEMPTS the call fails with the reason, refunded", async () => {
    const alwaysTransient = new SimulatedProvider(suite.db.pool, { ringMs: 1, talkMs: 1, noAnswerMs: 1 });
    alwaysTransient.placeCall = async (target) => {
      await suite.db.prisma.simulatedProviderCall.create({
        data: {
          providerCallId: `sim_t_${target.callId}_${target.attempt}`,
          callId: target.callId,
          attempt: target.attempt,
          outcome: "transient_error",
        },
      });
      throw new ProviderError("carrier_timeout", true);
    };
    const context = testContext(suite, { provider: alwaysTransient, maxAttempts: 3, backoffMs: 100 });
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.connects });
    const delays: number[] = [];
    for (;;) {
      const result = await dial(callId, context);
      if (result.kind !== "retry") {
        expect(result).toEqual({ kind: "ended", status: "failed", endReason: "carrier_timeout" });
        break;
      }
      delays.push(result.delayMs);
      await prisma().call.update({ where: { id: callId }, data: { retryPendingAt: new Date(Date.now() - 1) } });
    }
    expect(delays).toEqual([100, 200]);
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "failed", attempts: 3, endReason: "carrier_timeout" });
    expect(await dialsOf(prisma(), callId)).toBe(3);
    expect(await credits(prisma(), org.orgId)).toBe(before);
    const events = await prisma().callEvent.findMany({ where: { callId }, orderBy: { id: "asc" } });
    expect(events.at(-1)?.detail).toMatch(/attempt 3 failed: carrier_timeout \(transient\); no attempts left/);
  });
});

describe("calls that are not queued are never dialled", () => {
  test("canceled, deleted, missing or another organisation's: the job is dropped quietly", async () => {
    const canceled = (await queueCall(prisma(), null, org)).callId;
    await transitionCall(prisma(), { callId: canceled, orgId: org.orgId, from: "queued", to: "canceled" });
    expect(await dial(canceled)).toEqual({ kind: "dropped", reason: "call is canceled" });

    const deleted = (await queueCall(prisma(), null, org)).callId;
    await prisma().call.update({ where: { id: deleted }, data: { deletedAt: new Date() } });
    expect(await dial(deleted)).toEqual({ kind: "dropped", reason: "call not found" });

    expect(await dial("call_doesnotexist")).toEqual({ kind: "dropped", reason: "call not found" });
    const foreign = (await queueCall(prisma(), null, org)).callId;
    expect(await dialCall(ctx, { callId: foreign, orgId: "org_someoneelse" }, never)).toMatchObject({ kind: "dropped" });
    expect(await callRow(prisma(), foreign)).toMatchObject({ status: "queued", attempts: 0 });

    const completed = (await queueCall(prisma(), null, org)).callId;
    await dial(completed);
    expect(await dial(completed)).toEqual({ kind: "dropped", reason: "call is completed" });
    for (const id of [canceled, deleted, foreign]) expect(await dialsOf(prisma(), id)).toBe(0);
    expect(await dialsOf(prisma(), completed)).toBe(1);
  });

  test("a cancel racing the claim: exactly one wins; a canceled call is never dialled", async () => {
    for (let i = 0; i < 15; i++) {
      const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.noAnswer });
      const [cancel, result] = await Promise.all([
        transitionCall(prisma(), { callId, orgId: org.orgId, from: "queued", to: "canceled" }),
        dial(callId),
      ]);
      if (cancel.moved) {
        expect(result).toEqual({ kind: "dropped", reason: "call is canceled" });
        expect(await dialsOf(prisma(), callId)).toBe(0);
      } else {
        expect(cancel).toMatchObject({ moved: false, current: expect.stringMatching(/dialing|ringing|no_answer/) });
        expect(result).toMatchObject({ kind: "ended", status: "no_answer" });
        expect(await dialsOf(prisma(), callId)).toBe(1);
      }
    }
  });
});

describe("recovery: a job redelivered after its dialer died mid-call", () => {
  /** Leaves a call as a dead dialer would: claimed, the provider row placed, moved to `to`. */
  async function abandonedIn(to: "dialing" | "ringing" | "in_progress") {
    const { callId } = await queueCall(prisma(), null, org);
    await transitionCall(prisma(), { callId, from: "queued", to: "dialing", incrementAttempts: true });
    await prisma().simulatedProviderCall.create({
      data: { providerCallId: `sim_dead_${callId}`, callId, attempt: 1, toNumber: NUMBERS.connects, outcome: "dialing" },
    });
    if (to !== "dialing")
      await transitionCall(prisma(), { callId, from: "dialing", to: "ringing", providerCallId: `sim_dead_${callId}` });
    if (to === "in_progress") {
      await transitionCall(prisma(), { callId, from: "ringing", to: "in_progress" });
      await prisma().simulatedProviderCall.update({
        where: { providerCallId: `sim_dead_${callId}` },
        data: {
          outcome: "in_progress",
          transcript: "Agent (Ava): Hello Priya",
          recordingUrl: "https://recordings.simulated-provider.invalid/x.wav",
        },
      });
    }
    return callId;
  }

  test.each(["dialing", "ringing"] as const)(
    "found in %s: hung up, failed/dialer_lost, refunded, never dialled again",
    async (state) => {
      const before = await credits(prisma(), org.orgId);
      const callId = await abandonedIn(state);
      expect(await dial(callId)).toEqual({ kind: "ended", status: "failed", endReason: "dialer_lost" });
      expect(await callRow(prisma(), callId)).toMatchObject({ status: "failed", endReason: "dialer_lost", attempts: 1 });
      expect(await credits(prisma(), org.orgId)).toBe(before);
      expect(await dialsOf(prisma(), callId)).toBe(1);
      expect((await prisma().simulatedProviderCall.findFirstOrThrow({ where: { callId } })).outcome).toBe("hung_up");
      expect(await prisma().engagement.count({ where: { callId } })).toBe(0);
    },
  );

  test("found in_progress: hung up, failed/dialer_lost, credit kept, engagement from the provider's copy", async () => {
    const before = await credits(prisma(), org.orgId);
    const callId = await abandonedIn("in_progress");
    expect(await dial(callId)).toEqual({ kind: "ended", status: "failed", endReason: "dialer_lost" });
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
    const engagement = await prisma().engagement.findUniqueOrThrow({ where: { callId } });
    expect(engagement.transcript).toBe("Agent (Ava): Hello Priya");
    expect(engagement.recording).toMatchObject({ url: "https://recordings.simulated-provider.invalid/x.wav" });
    expect(await dialsOf(prisma(), callId)).toBe(1);
  });

});

describe("liveness: a redelivered job ends a live call only when its owner is really gone", () => {
  /** A dialer process of its own: its id, a provider instance of its own (another process's memory), a heartbeat row. */
  async function dialerProcess(talkMs: number) {
    const dialerId = `dlr_test_${Math.random().toString(36).slice(2, 10)}`;
    await heartbeatDialer(suite.db.pool, dialerId);
    const provider = new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs, noAnswerMs: 60_000 });
    return { dialerId, provider, ctx: testContext(suite, { provider, dialerId, deadAfterMs: 15_000 }) };
  }
  const stale = (dialerId: string) =>
    prisma().$executeRaw`UPDATE dialers SET heartbeat_at = now() - interval '1 hour' WHERE id = ${dialerId}`;

  test("a duplicate delivery inside the owner's own process is left alone: the call completes, one dial", async () => {
    const owner = await dialerProcess(1500);
    const { callId } = await queueCall(prisma(), null, org);
    const first = dial(callId, owner.ctx);
    await eventually(async () => (await callRow(prisma(), callId)).status === "in_progress");
    expect(await callRow(prisma(), callId)).toMatchObject({ ownerDialerId: owner.dialerId });
    expect(await dial(callId, owner.ctx)).toEqual({ kind: "dropped", reason: "a live dialer follows the call" });
    expect(await first).toEqual({ kind: "ended", status: "completed" });
    expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
    expect(await dialsOf(prisma(), callId)).toBe(1);
  });

  test("redelivered to another dialer while the owner's heartbeat is fresh (a Redis blip): left alone, completes", async () => {
    const owner = await dialerProcess(1500);
    const other = await dialerProcess(1500);
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org);
    const first = dial(callId, owner.ctx);
    await eventually(async () => (await callRow(prisma(), callId)).status === "in_progress");
    expect(await dial(callId, other.ctx)).toEqual({ kind: "dropped", reason: "a live dialer follows the call" });
    expect(await first).toEqual({ kind: "ended", status: "completed" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "completed", endReason: null, ownerDialerId: owner.dialerId });
    expect((await prisma().simulatedProviderCall.findFirstOrThrow({ where: { callId } })).outcome).toBe("completed");
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
  });

  test("owner silent past DIALER_DEAD_AFTER_MS: another process ends the call once; the owner, still talking, stops at its next step and cannot write the purged transcript back", async () => {
    const owner = await dialerProcess(6000);
    const other = await dialerProcess(60_000);
    const { callId } = await queueCall(prisma(), null, org);
    let ownerSettled = false;
    const first = dial(callId, owner.ctx).finally(() => {
      ownerSettled = true;
    });
    await eventually(async () => (await callRow(prisma(), callId)).status === "in_progress");
    await stale(owner.dialerId);

    // Another process (its own provider instance: the owner's in-memory hang-up cannot reach it) recovers it.
    expect(await dial(callId, other.ctx)).toEqual({ kind: "ended", status: "failed", endReason: "dialer_lost" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "failed", endReason: "dialer_lost", ownerDialerId: other.dialerId });
    const kept = await prisma().engagement.findUniqueOrThrow({ where: { callId } });
    expect(kept.transcript).toContain("Priya Sharma");
    // The customer deletes the call; the provider's copies are purged.
    expect(await eraseCall(prisma(), { callId, orgId: org.orgId })).toMatchObject({ deleted: true });
    await other.provider.purge({ callId, providerCallId: null });
    // The precondition of what follows: the owner has not reached its end yet (it talks 6 s).
    expect(ownerSettled).toBe(false);

    // The owner wakes at the end of its talk: its write is refused, it ends nothing.
    expect(await first).toEqual({ kind: "dropped", reason: "call hung up and ended by another dialer" });
    const row = await prisma().simulatedProviderCall.findFirstOrThrow({ where: { callId } });
    expect(row).toMatchObject({ outcome: "hung_up", transcript: null, recordingUrl: null, toNumber: null });
    expect(row.purgedAt).toBeInstanceOf(Date);
    expect(await prisma().callEvent.count({ where: { callId, toStatus: { in: ["failed", "completed"] } } })).toBe(1);
    expect(await prisma().engagement.count({ where: { callId } })).toBe(0);
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "failed", contactName: null, contactNumber: null });
    expect(await dialsOf(prisma(), callId)).toBe(1);
  });

  test("a call its own process owns but no longer follows (its attempt died) is recovered by that process", async () => {
    const owner = await dialerProcess(60_000);
    const { callId } = await queueCall(prisma(), null, org);
    await transitionCall(prisma(), { callId, from: "queued", to: "dialing", incrementAttempts: true, ownerDialerId: owner.dialerId });
    await transitionCall(prisma(), { callId, from: "dialing", to: "ringing" });
    expect(await dial(callId, owner.ctx)).toEqual({ kind: "ended", status: "failed", endReason: "dialer_lost" });
  });
});

describe("shutdown past the deadline", () => {
  const slowProvider = () => new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs: 60_000, noAnswerMs: 60_000 });

  test("a call in conversation is hung up and ends failed/dialer_shutdown, keeping its credit and engagement", async () => {
    const context = testContext(suite, { provider: slowProvider() });
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org);
    const shutdown = new AbortController();
    const running = dial(callId, context, shutdown.signal);
    await eventually(async () => (await callRow(prisma(), callId)).status === "in_progress");
    shutdown.abort("dialer_shutdown");
    expect(await running).toEqual({ kind: "ended", status: "failed", endReason: "dialer_shutdown" });
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
    expect(await prisma().engagement.count({ where: { callId } })).toBe(1);
    expect((await prisma().simulatedProviderCall.findFirstOrThrow({ where: { callId } })).outcome).toBe("hung_up");
  });

  test("a ringing call is hung up and ends failed/dialer_shutdown, refunded", async () => {
    const context = testContext(suite, { provider: slowProvider() });
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.noAnswer });
    const shutdown = new AbortController();
    const running = dial(callId, context, shutdown.signal);
    await eventually(async () => (await callRow(prisma(), callId)).status === "ringing");
    shutdown.abort("dialer_shutdown");
    expect(await running).toEqual({ kind: "ended", status: "failed", endReason: "dialer_shutdown" });
    expect(await credits(prisma(), org.orgId)).toBe(before);
    expect(await prisma().engagement.count({ where: { callId } })).toBe(0);
  });
});

test("every transition is logged with call id, states and request id, and never with PII", async () => {
  const captured = captureLogger();
  const context = testContext(suite, { logger: captured.logger });
  const { callId, requestId } = await queueCall(prisma(), null, org, {
    number: NUMBERS.connectsIndia,
    contactName: "Zanele Okonkwo",
    contactEmail: "zanele@example.org",
    additionalInfo: { secret_note: "loves-blue-herons" },
  });
  await dial(callId, context);
  const transitions = captured.lines().filter((l) => l.msg === "call transition");
  expect(transitions.map((l) => [l.callId, l.from, l.to, l.requestId])).toEqual([
    [callId, "queued", "dialing", requestId],
    [callId, "dialing", "ringing", requestId],
    [callId, "ringing", "in_progress", requestId],
    [callId, "in_progress", "completed", requestId],
  ]);
  for (const pii of ["9876543210", "Zanele", "zanele@example.org", "loves-blue-herons"])
    expect(captured.text()).not.toContain(pii);
});

test("an unexpected error mid-call (Postgres away) fails the job and leaves the call for the reconciler", async () => {
  const failing: TelephonyProvider = {
    ...ctx.provider,
    name: "broken",
    placeCall: async () => {
      throw Object.assign(new Error("connection terminated"), { code: "ECONNRESET" });
    },
    hangUp: ctx.provider.hangUp.bind(ctx.provider),
    retrieveCall: ctx.provider.retrieveCall.bind(ctx.provider),
    purge: ctx.provider.purge.bind(ctx.provider),
  };
  const { callId } = await queueCall(prisma(), null, org);
  await expect(dial(callId, testContext(suite, { provider: failing }))).rejects.toMatchObject({ code: "ECONNRESET" });
  expect(await callRow(prisma(), callId)).toMatchObject({ status: "dialing", retryPendingAt: null });
});
