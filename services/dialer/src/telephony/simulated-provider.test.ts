import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { NUMBERS, until } from "../test-support/fixtures";
import { type DialTarget, ProviderError } from "./provider";
import { SimulatedProvider, simulatedBehaviour } from "./simulated-provider";

let suite: SuiteEnv;
let provider: SimulatedProvider;

beforeAll(async () => {
  suite = await createSuiteEnv();
  provider = new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs: 10, noAnswerMs: 10 });
});
afterAll(() => suite.close());

const never = new AbortController().signal;
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

const rows = (callId: string) =>
  suite.db.prisma.simulatedProviderCall.findMany({ where: { callId }, orderBy: { attempt: "asc" } });
const eventsOf = async (callId: string) =>
  (await suite.db.prisma.providerEvent.findMany({ where: { callId }, orderBy: { id: "asc" } })).map((e) => e.kind);

/** Runs the provider's clock until the dial has no event left to emit (bounded). */
async function runClock(callId: string, ticker = provider) {
  await until(
    async () => {
      await ticker.tick();
      const [row] = await rows(callId);
      return row?.nextEventAt === null;
    },
    10_000,
    5,
  );
}

test("the test-number table", () => {
  expect(simulatedBehaviour(NUMBERS.noAnswer)).toBe("no_answer");
  expect(simulatedBehaviour(NUMBERS.busy)).toBe("busy");
  expect(simulatedBehaviour(NUMBERS.fails)).toBe("fail");
  expect(simulatedBehaviour(NUMBERS.transientThenConnects)).toBe("transient_then_connect");
  expect(simulatedBehaviour(NUMBERS.connects)).toBe("connect");
  expect(simulatedBehaviour(NUMBERS.connectsIndia)).toBe("connect");
});

test("a connecting number: placeCall returns at once; its clock records ringing, answered, completed in provider_events", async () => {
  const t = target(NUMBERS.connects);
  const { providerCallId } = await provider.placeCall(t, never);
  expect(providerCallId).toMatch(/^sim_/);
  expect(await provider.getCall(t)).toEqual({ state: "placed", providerCallId });
  expect(await provider.retrieveCall(t)).toBeNull(); // not answered: nothing to show yet
  await runClock(t.callId);
  expect(await eventsOf(t.callId)).toEqual(["ringing", "answered", "completed"]);
  const completed = await suite.db.prisma.providerEvent.findFirstOrThrow({ where: { callId: t.callId, kind: "completed" } });
  expect(completed).toMatchObject({ provider: "simulated", providerCallId, attempt: 1, durationSeconds: 1, appliedAt: null });
  expect(await provider.getCall(t)).toMatchObject({ state: "ended", event: "completed", providerCallId });
  const kept = await provider.retrieveCall(t);
  expect(kept?.transcript).toContain("Priya Sharma");
  expect(kept?.transcript).toContain("order id: A-1042");
  expect(kept?.recording).toMatchObject({ format: "audio/wav", provider: "simulated", provider_call_id: providerCallId });
});

test("one round of the clock emits every step that is due, in script order, each once; later steps keep their timing", async () => {
  // Zero call time: the whole script is due at once, and one round emits all of it (one write of the dial).
  const instant = new SimulatedProvider(suite.db.pool, { ringMs: 0, talkMs: 0, noAnswerMs: 0 });
  const t = target(NUMBERS.connects);
  await instant.placeCall(t, never);
  await until(async () => (await instant.tick()) > 0, 5_000, 5);
  expect(await eventsOf(t.callId)).toEqual(["ringing", "answered", "completed"]);
  expect(await rows(t.callId)).toEqual([expect.objectContaining({ outcome: "completed", step: 3, nextEventAt: null })]);
  expect(await instant.tick()).toBe(0);
  expect(await eventsOf(t.callId)).toEqual(["ringing", "answered", "completed"]);

  // Ringing and answered at once, then 2 s of talk: the first round emits two events; completed is due
  // 2 s after the answer, and its duration is the scripted talk time.
  const talking = new SimulatedProvider(suite.db.pool, { ringMs: 0, talkMs: 2000, noAnswerMs: 0 });
  const u = target(NUMBERS.connects);
  await talking.placeCall(u, never);
  await until(async () => (await talking.tick()) > 0, 5_000, 5);
  expect(await eventsOf(u.callId)).toEqual(["ringing", "answered"]);
  const [row] = await rows(u.callId);
  expect(row).toMatchObject({ outcome: "in_progress", step: 2 });
  expect(row?.nextEventAt?.getTime()).toBe((row?.answeredAt?.getTime() ?? 0) + 2000);
  await runClock(u.callId, talking);
  expect(await eventsOf(u.callId)).toEqual(["ringing", "answered", "completed"]);
  const completed = await suite.db.prisma.providerEvent.findFirstOrThrow({ where: { callId: u.callId, kind: "completed" } });
  expect(completed.durationSeconds).toBe(2);
});

test.each([
  [NUMBERS.noAnswer, ["ringing", "no_answer"]],
  [NUMBERS.busy, ["ringing", "busy"]],
] as const)("%s: %j", async (number, kinds) => {
  const t = target(number);
  await provider.placeCall(t, never);
  await runClock(t.callId);
  expect(await eventsOf(t.callId)).toEqual(kinds);
  expect(await provider.retrieveCall(t)).toBeNull();
});

test("0002 is refused when placed (no event ever); 0003 refused transiently on attempt 1 only", async () => {
  const failing = target(NUMBERS.fails);
  await expect(provider.placeCall(failing, never)).rejects.toMatchObject({ code: "destination_unreachable", transient: false });
  const flaky = target(NUMBERS.transientThenConnects);
  const error = await provider.placeCall(flaky, never).catch((e) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect(error).toMatchObject({ code: "carrier_timeout", transient: true });
  await provider.placeCall({ ...flaky, attempt: 2 }, never);
  await runClock(failing.callId);
  expect(await eventsOf(failing.callId)).toEqual([]);
  // Attempt 2 connects: run its clock to the end (how far one round gets depends on when it runs).
  await until(
    async () => {
      await provider.tick();
      return (await rows(flaky.callId))[1]?.nextEventAt === null;
    },
    10_000,
    5,
  );
  expect((await rows(flaky.callId)).map((r) => r.outcome)).toEqual(["transient_error", "completed"]);
  expect(await eventsOf(flaky.callId)).toEqual(["ringing", "answered", "completed"]);
});

test("the same (call, attempt) is never dialled twice", async () => {
  const t = target(NUMBERS.connects);
  await provider.placeCall(t, never);
  await expect(provider.placeCall(t, never)).rejects.toMatchObject({ code: "duplicate_attempt" });
  expect(await rows(t.callId)).toHaveLength(1);
});

test("the clock outlives the process that placed the call: another provider instance carries it on", async () => {
  const t = target(NUMBERS.connects);
  const placer = new SimulatedProvider(suite.db.pool, { ringMs: 5, talkMs: 10, noAnswerMs: 10 });
  await placer.placeCall(t, never); // …and this instance is never used again (its process died)
  const other = new SimulatedProvider(suite.db.pool, { ringMs: 999_999, talkMs: 999_999, noAnswerMs: 999_999, tickMs: 5 });
  other.start();
  try {
    await until(async () => (await eventsOf(t.callId)).length === 3, 10_000, 10);
  } finally {
    await other.stop();
  }
  expect(await eventsOf(t.callId)).toEqual(["ringing", "answered", "completed"]);
});

test("a hang-up (from any process) stops the clock: no event after it; what was said so far is kept", async () => {
  const talking = new SimulatedProvider(suite.db.pool, { ringMs: 0, talkMs: 600_000, noAnswerMs: 0 });
  const t = target(NUMBERS.connects);
  await talking.placeCall(t, never);
  await until(
    async () => {
      await talking.tick();
      return (await eventsOf(t.callId)).length === 2;
    },
    10_000,
    5,
  );
  expect(await talking.getCall(t)).toMatchObject({ state: "up", event: "answered" });
  await new SimulatedProvider(suite.db.pool, { ringMs: 0, talkMs: 0, noAnswerMs: 0 }).hangUp(t);
  await talking.hangUp(t); // idempotent
  expect(await talking.getCall(t)).toMatchObject({ state: "ended", event: "failed", endReason: "provider_hung_up" });
  await suite.db.prisma.simulatedProviderCall.updateMany({ where: { callId: t.callId }, data: { nextEventAt: new Date(0) } });
  await talking.tick();
  expect(await eventsOf(t.callId)).toEqual(["ringing", "answered"]);
  const kept = await talking.retrieveCall(t);
  expect(kept?.transcript?.split("\n")).toHaveLength(2); // the opening only: the call was cut
});

test("deleteArtifacts deletes the provider's copies (number, transcript, recording) of every attempt, idempotently; a purged call emits nothing", async () => {
  const t = target(NUMBERS.transientThenConnects);
  await provider.placeCall(t, never).catch(() => undefined);
  await provider.placeCall({ ...t, attempt: 2 }, never);
  await provider.deleteArtifacts({ callId: t.callId });
  await provider.deleteArtifacts({ callId: t.callId });
  const purged = await rows(t.callId);
  expect(purged).toHaveLength(2);
  for (const row of purged) {
    expect(row).toMatchObject({ toNumber: null, transcript: null, recordingUrl: null, nextEventAt: null });
    expect(row.purgedAt).toBeInstanceOf(Date);
  }
  await provider.tick();
  expect(await eventsOf(t.callId)).toEqual([]);
  expect(await provider.retrieveCall({ callId: t.callId, attempt: 2 })).toBeNull();
});
