import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import { NUMBERS } from "../test-support/fixtures";
import { CallAbortedError, type DialProgress, type DialTarget, ProviderError } from "./provider";
import { SimulatedProvider, simulatedBehaviour } from "./simulated-provider";

let suite: SuiteEnv;
let provider: SimulatedProvider;

beforeAll(async () => {
  suite = await createSuiteEnv();
  provider = new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs: 10, noAnswerMs: 10 });
});
afterAll(() => suite.close());

let seq = 0;
function target(toNumber: string, attempt = 1): DialTarget {
  seq += 1;
  return {
    callId: `call_sim${seq}`,
    attempt,
    toNumber,
    agent: { id: "agt_1", name: "Ava" },
    contactName: "Priya Sharma",
    additionalInfo: { order_id: "A-1042", plan: "gold" },
  };
}

function recorder(): DialProgress & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    async ringing(id) {
      events.push(`ringing:${id.slice(0, 4)}`);
    },
    async answered() {
      events.push("answered");
    },
  };
}

const rows = (callId: string) =>
  suite.db.prisma.simulatedProviderCall.findMany({ where: { callId }, orderBy: { attempt: "asc" } });

test("the test-number table", () => {
  expect(simulatedBehaviour(NUMBERS.noAnswer)).toBe("no_answer");
  expect(simulatedBehaviour(NUMBERS.busy)).toBe("busy");
  expect(simulatedBehaviour(NUMBERS.fails)).toBe("fail");
  expect(simulatedBehaviour(NUMBERS.transientThenConnects)).toBe("transient_then_connect");
  expect(simulatedBehaviour(NUMBERS.connects)).toBe("connect");
  expect(simulatedBehaviour(NUMBERS.connectsIndia)).toBe("connect");
});

test("a connecting number rings, is answered and completes with a plausible transcript and a recording it keeps", async () => {
  const t = target(NUMBERS.connects);
  const progress = recorder();
  const outcome = await provider.placeCall(t, progress, new AbortController().signal);
  expect(progress.events).toEqual(["ringing:sim_", "answered"]);
  expect(outcome.status).toBe("completed");
  if (outcome.status !== "completed") return;
  expect(outcome.transcript).toContain("Ava");
  expect(outcome.transcript).toContain("agt_1");
  expect(outcome.transcript).toContain("Priya Sharma");
  expect(outcome.transcript).toContain("order id: A-1042");
  expect(outcome.recording).toMatchObject({
    format: "audio/wav",
    provider: "simulated",
    provider_call_id: outcome.providerCallId,
  });
  expect(outcome.durationSeconds).toBeGreaterThanOrEqual(1);
  const [row] = await rows(t.callId);
  expect(row).toMatchObject({
    providerCallId: outcome.providerCallId,
    attempt: 1,
    toNumber: NUMBERS.connects,
    outcome: "completed",
    transcript: outcome.transcript,
    recordingUrl: outcome.recording?.url,
  });
});

test.each([
  [NUMBERS.noAnswer, "no_answer"],
  [NUMBERS.busy, "busy"],
] as const)("%s rings and ends %s, keeping no recording", async (number, status) => {
  const t = target(number);
  const progress = recorder();
  const outcome = await provider.placeCall(t, progress, new AbortController().signal);
  expect(outcome.status).toBe(status);
  expect(progress.events).toEqual(["ringing:sim_"]);
  const [row] = await rows(t.callId);
  expect(row).toMatchObject({ outcome: status, transcript: null, recordingUrl: null });
});

test("0002 fails permanently before ringing; 0003 fails transiently on attempt 1 only", async () => {
  const failing = target(NUMBERS.fails);
  const progress = recorder();
  const error = await provider.placeCall(failing, progress, new AbortController().signal).catch((e) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect(error).toMatchObject({ code: "destination_unreachable", transient: false });
  expect(progress.events).toEqual([]);

  const flaky = target(NUMBERS.transientThenConnects, 1);
  const first = await provider.placeCall(flaky, recorder(), new AbortController().signal).catch((e) => e);
  expect(first).toMatchObject({ code: "carrier_timeout", transient: true });
  const second = await provider.placeCall({ ...flaky, attempt: 2 }, recorder(), new AbortController().signal);
  expect(second.status).toBe("completed");
  expect((await rows(flaky.callId)).map((r) => [r.attempt, r.outcome])).toEqual([
    [1, "transient_error"],
    [2, "completed"],
  ]);
});

test("the same (call, attempt) is never dialled twice", async () => {
  const t = target(NUMBERS.noAnswer);
  await provider.placeCall(t, recorder(), new AbortController().signal);
  await expect(provider.placeCall(t, recorder(), new AbortController().signal)).rejects.toMatchObject({
    code: "duplicate_attempt",
    transient: false,
  });
  expect(await rows(t.callId)).toHaveLength(1);
});

test("aborting (shutdown) or hanging up ends the call at the provider; retrieveCall returns what it kept", async () => {
  const slow = new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs: 60_000, noAnswerMs: 60_000 });
  const t = target(NUMBERS.connects);
  const controller = new AbortController();
  let aborted: unknown;
  let onAnswered: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => {
    onAnswered = resolve;
  });
  const running = slow
    .placeCall(t, { ringing: async () => undefined, answered: async () => onAnswered() }, controller.signal)
    .catch((e: unknown) => {
      aborted = e;
    });
  await answered;
  controller.abort("dialer_shutdown");
  await running;
  expect(aborted).toBeInstanceOf(CallAbortedError);
  const [row] = await rows(t.callId);
  expect(row?.outcome).toBe("hung_up");
  const kept = await slow.retrieveCall({ callId: t.callId, attempt: 1 });
  expect(kept?.transcript).toContain("Priya Sharma");
  expect(kept?.recording?.url).toMatch(/^https:\/\/recordings\.simulated-provider\.invalid\//);

  // hangUp (what a recovering dialer asks for) stops a call that is still ringing.
  const t2 = target(NUMBERS.noAnswer);
  const progress = recorder();
  const ringingCall = slow.placeCall(t2, progress, new AbortController().signal);
  await eventually(() => progress.events.length === 1);
  await slow.hangUp({ callId: t2.callId, attempt: 1 });
  await expect(ringingCall).rejects.toBeInstanceOf(CallAbortedError);
  expect((await rows(t2.callId))[0]?.outcome).toBe("hung_up");
});

test("a progress callback that throws hangs up and rejects with that error", async () => {
  const t = target(NUMBERS.connects);
  const boom = new Error("call moved on");
  await expect(
    provider.placeCall(
      t,
      { ringing: async () => Promise.reject(boom), answered: async () => undefined },
      new AbortController().signal,
    ),
  ).rejects.toBe(boom);
  expect((await rows(t.callId))[0]?.outcome).toBe("hung_up");
});

test("purge deletes the provider's copies (number, transcript, recording) of every attempt, idempotently", async () => {
  const t = target(NUMBERS.transientThenConnects);
  await provider.placeCall(t, recorder(), new AbortController().signal).catch(() => undefined);
  await provider.placeCall({ ...t, attempt: 2 }, recorder(), new AbortController().signal);
  await provider.purge({ callId: t.callId, providerCallId: null });
  await provider.purge({ callId: t.callId, providerCallId: null });
  const purged = await rows(t.callId);
  expect(purged).toHaveLength(2);
  for (const row of purged) {
    expect(row).toMatchObject({ toNumber: null, transcript: null, recordingUrl: null });
    expect(row.purgedAt).toBeInstanceOf(Date);
  }
  expect(await provider.retrieveCall({ callId: t.callId, attempt: 2 })).toBeNull();
});

describe("a hang-up decided in another process (another provider instance sharing the store)", () => {
  /** The other dialer process: its own instance, so its hang-up cannot reach the owner's memory. */
  const elsewhere = () => new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs: 10, noAnswerMs: 10 });

  test("while ringing: the owner stops at its next step, writes no recording or transcript", async () => {
    const t = target(NUMBERS.connects);
    const other = elsewhere();
    const progress: DialProgress = {
      async ringing() {
        await other.hangUp({ callId: t.callId, attempt: t.attempt }); // forced: before the owner answers
      },
      async answered() {
        throw new Error("answered after a hang-up");
      },
    };
    await expect(provider.placeCall(t, progress, new AbortController().signal)).rejects.toBeInstanceOf(CallAbortedError);
    expect(await rows(t.callId)).toMatchObject([{ outcome: "hung_up", transcript: null, recordingUrl: null }]);
  });

  test("mid-conversation, then purged: the owner's final transcript write is refused; nothing comes back", async () => {
    const t = target(NUMBERS.connects);
    const other = elsewhere();
    const progress: DialProgress = {
      async ringing() {},
      async answered() {
        // Forced interleaving: the other process ends the call and the call is purged before the owner's talk ends.
        await other.hangUp({ callId: t.callId, attempt: t.attempt });
        expect((await other.retrieveCall({ callId: t.callId, attempt: t.attempt }))?.transcript).toContain("Priya Sharma");
        await other.purge({ callId: t.callId, providerCallId: null });
      },
    };
    await expect(provider.placeCall(t, progress, new AbortController().signal)).rejects.toBeInstanceOf(CallAbortedError);
    const [row] = await rows(t.callId);
    expect(row).toMatchObject({ outcome: "hung_up", transcript: null, recordingUrl: null, toNumber: null });
    expect(row!.purgedAt).toBeInstanceOf(Date);
    // A late hang-up (from anyone) changes nothing either.
    await provider.hangUp({ callId: t.callId, attempt: t.attempt });
    await other.hangUp({ callId: t.callId, attempt: t.attempt });
    expect(await rows(t.callId)).toMatchObject([{ outcome: "hung_up", transcript: null, recordingUrl: null }]);
  });
});
