import type { ProviderEvent } from "@inbound/contracts";
import { heartbeatDialer, transitionCall } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
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
  providerRound,
  queueCall,
  runToEnd,
  statePath,
  type TestOrg,
  testContext,
  until,
} from "../test-support/fixtures";
import { applyProviderEvent, applyProviderEvents } from "./apply-provider-event";
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

/** Dials and then carries the call on through its provider events, as the running dialers do. */
async function dialToEnd(callId: string, context = ctx) {
  const placed = await dial(callId, context);
  return { placed, status: await runToEnd(context, prisma(), callId) };
}

describe("each simulated outcome, through provider events", () => {
  test("a connecting number: the job ends once placed; events then move it to completed, engagement recorded, credit kept", async () => {
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.connects });
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
    expect(await dial(callId)).toEqual({ kind: "placed", attempt: 1 });
    // Placed: the call lives at the provider; nothing moved it yet but its provider id is recorded.
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "dialing", providerCallId: expect.stringMatching(/^sim_/) });
    expect(await runToEnd(ctx, prisma(), callId)).toBe("completed");
    expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
    const call = await callRow(prisma(), callId);
    expect(call).toMatchObject({ status: "completed", attempts: 1, endReason: null, retryPendingAt: null });
    for (const stamp of [call.dialingAt, call.ringingAt, call.answeredAt, call.endedAt]) expect(stamp).toBeInstanceOf(Date);
    const engagement = await prisma().engagement.findUniqueOrThrow({ where: { callId } });
    expect(engagement.transcript).toContain("Priya Sharma");
    expect(engagement.transcript).toContain("Thanks, bye.");
    expect(engagement.recording).toMatchObject({ provider_call_id: call.providerCallId, format: "audio/wav" });
    expect(engagement.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(await credits(prisma(), org.orgId)).toBe(before - 1);
    expect(await dialsOf(prisma(), callId)).toBe(1);
    // Every event was recorded, applied once, PII-free.
    const events = await prisma().providerEvent.findMany({ where: { callId }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([
      ["ringing", "moved"],
      ["answered", "moved"],
      ["completed", "moved"],
    ]);
    for (const e of events) expect(e.appliedAt).toBeInstanceOf(Date);
  });

  test.each([
    [NUMBERS.noAnswer, "no_answer", ["queued", "dialing", "ringing", "no_answer"]],
    [NUMBERS.busy, "busy", ["queued", "dialing", "ringing", "busy"]],
  ] as const)("%s ends %s, refunded, no engagement", async (number, status, path) => {
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number });
    expect(await dialToEnd(callId)).toEqual({ placed: { kind: "placed", attempt: 1 }, status });
    expect(await statePath(prisma(), callId)).toEqual(path);
    expect(await credits(prisma(), org.orgId)).toBe(before);
    expect(await prisma().engagement.count({ where: { callId } })).toBe(0);
    expect(await dialsOf(prisma(), callId)).toBe(1);
    expect(await callRow(prisma(), callId)).toMatchObject({ endReason: status, endedAt: expect.any(Date) });
  });

  test("0002 is refused by the provider when placed: failed/destination_unreachable at once, refunded", async () => {
    const before = await credits(prisma(), org.orgId);
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.fails });
    expect(await dial(callId)).toEqual({ kind: "ended", status: "failed", endReason: "destination_unreachable" });
    expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "failed"]);
    expect(await credits(prisma(), org.orgId)).toBe(before);
  });
});

describe("provider events are harmless twice and out of order", () => {
  async function placed(number: string = NUMBERS.connects) {
    const { callId } = await queueCall(prisma(), null, org, { number });
    expect(await dial(callId)).toMatchObject({ kind: "placed" });
    const call = await callRow(prisma(), callId);
    const event = (kind: ProviderEvent["kind"], extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
      provider: "simulated",
      providerCallId: call.providerCallId,
      callId,
      attempt: 1,
      kind,
      ...extra,
    });
    return { callId, event };
  }

  test("every event applied twice: the second changes nothing (no event row, no second refund)", async () => {
    const before = await credits(prisma(), org.orgId);
    const { callId, event } = await placed(NUMBERS.busy);
    expect(await applyProviderEvent(ctx, event("ringing"))).toBe("moved");
    expect(await applyProviderEvent(ctx, event("ringing"))).toBe("ignored:already_there");
    expect(await applyProviderEvent(ctx, event("busy", { endReason: "busy" }))).toBe("moved");
    expect(await applyProviderEvent(ctx, event("busy", { endReason: "busy" }))).toBe("ignored:already_there");
    expect(await eventPath(prisma(), callId)).toEqual(["→queued", "queued→dialing", "dialing→ringing", "ringing→busy"]);
    expect(await credits(prisma(), org.orgId)).toBe(before);
  });

  test("out of order: completed before ringing and answered walks the whole path once; the late ones are ignored", async () => {
    const { callId, event } = await placed();
    // The provider's copy must be there for the engagement: let the simulated call run its course first.
    await runToEnd(testContext(suite, { provider: ctx.provider }), prisma(), callId);
    const other = await placed();
    await ctx.provider.hangUp({ callId: other.callId, attempt: 1 });
    expect(await applyProviderEvent(ctx, other.event("completed", { durationSeconds: 7 }))).toBe("moved");
    expect(await applyProviderEvent(ctx, other.event("answered"))).toBe("ignored:past_it");
    expect(await applyProviderEvent(ctx, other.event("ringing"))).toBe("ignored:past_it");
    expect(await statePath(prisma(), other.callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
    expect(await prisma().callEvent.count({ where: { callId: other.callId } })).toBe(5);
    expect((await prisma().engagement.findUniqueOrThrow({ where: { callId: other.callId } })).durationSeconds).toBe(7);
    expect(await applyProviderEvent(ctx, event("failed"))).toBe("ignored:past_it");
  });

  test("events racing each other for one call (ringing, answered, completed at once, twice each): one path, one end", async () => {
    for (let i = 0; i < 5; i++) {
      const { callId, event } = await placed();
      const kinds = ["ringing", "answered", "completed", "completed", "answered", "ringing"] as const;
      const outcomes = await Promise.all(kinds.map((kind) => applyProviderEvent(ctx, event(kind, { durationSeconds: 3 }))));
      expect(outcomes).toContain("moved");
      expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
      expect(await prisma().callEvent.count({ where: { callId } })).toBe(5);
      expect(await prisma().engagement.count({ where: { callId } })).toBe(1);
    }
  });

  test("a call's events arriving together (with a duplicate, a late one and another attempt's) move it once, in one statement", async () => {
    const { callId, event } = await placed();
    const kinds = [
      event("ringing"),
      event("answered"),
      event("ringing"),
      event("failed", { attempt: 2 }),
      event("completed", { durationSeconds: 4 }),
      event("answered"),
      event("completed", { durationSeconds: 4 }),
    ];
    expect(await applyProviderEvents(ctx, kinds)).toEqual([
      "moved",
      "moved",
      "ignored:past_it",
      "ignored:other_attempt",
      "moved",
      "ignored:past_it",
      "ignored:already_there",
    ]);
    // The same log and stamps as three moves; one engagement.
    expect(await eventPath(prisma(), callId)).toEqual([
      "→queued",
      "queued→dialing",
      "dialing→ringing",
      "ringing→in_progress",
      "in_progress→completed",
    ]);
    const call = await callRow(prisma(), callId);
    expect([call.ringingAt, call.answeredAt, call.endedAt].every((at) => at instanceof Date)).toBe(true);
    // One statement: the three steps share its transaction's clock.
    expect(new Set([call.ringingAt, call.answeredAt, call.endedAt].map((at) => at?.getTime())).size).toBe(1);
    expect((await prisma().engagement.findUniqueOrThrow({ where: { callId } })).durationSeconds).toBe(4);
    // Applied again as a whole (its lease lapsed): nothing changes.
    expect(await applyProviderEvents(ctx, kinds)).toEqual(kinds.map((e) => (e.attempt === 2 ? "ignored:other_attempt" : expect.stringMatching(/^ignored:(past_it|already_there)$/))));
    expect(await prisma().callEvent.count({ where: { callId } })).toBe(5);
  });

  test("an event of another attempt, or for a missing call, changes nothing", async () => {
    const { callId, event } = await placed();
    expect(await applyProviderEvent(ctx, event("failed", { attempt: 2 }))).toBe("ignored:other_attempt");
    expect(await applyProviderEvent(ctx, { ...event("ringing"), callId: "call_missing" })).toBe("ignored:call_gone");
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "dialing" });
  });
});

describe("transient provider errors", () => {
  test("0003: attempt 1 refused transiently, the retry waits (recoverable), attempt 2 connects; attempt 1's events never count", async () => {
    const slowBackoff = testContext(suite, { backoffMs: 5000 });
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.transientThenConnects });
    expect(await dial(callId, slowBackoff)).toEqual({ kind: "retry", delayMs: 5000 });
    let call = await callRow(prisma(), callId);
    expect(call).toMatchObject({ status: "dialing", attempts: 1 });
    expect(call.retryPendingAt).toBeInstanceOf(Date);
    expect(await eventPath(prisma(), callId)).toEqual(["→queued", "queued→dialing", "dialing→dialing"]);
    // A (made-up) late event of attempt 1 while the retry waits: ignored.
    const late = { provider: "simulated", providerCallId: null, callId, attempt: 1, kind: "ringing" } as const;
    expect(await applyProviderEvent(ctx, late)).toBe("ignored:retry_pending");

    const early = await dial(callId, slowBackoff);
    expect(early.kind === "retry" && early.delayMs > 0 && early.delayMs <= 5000).toBe(true);
    expect(await dialsOf(prisma(), callId)).toBe(1);

    await prisma().call.update({ where: { id: callId }, data: { retryPendingAt: new Date(Date.now() - 1000) } });
    expect(await dial(callId, slowBackoff)).toEqual({ kind: "placed", attempt: 2 });
    expect(await applyProviderEvent(ctx, late)).toBe("ignored:other_attempt");
    expect(await runToEnd(ctx, prisma(), callId)).toBe("completed");
    call = await callRow(prisma(), callId);
    expect(call).toMatchObject({ status: "completed", attempts: 2, retryPendingAt: null });
    expect(await dialsOf(prisma(), callId)).toBe(2);
  });

  test("backoff doubles per attempt; after DIAL_MAX_ATTEMPTS the call fails with the reason, refunded", async () => {
    const alwaysTransient = new SimulatedProvider(suite.db.pool, { ringMs: 1, talkMs: 1, noAnswerMs: 1 });
    alwaysTransient.placeCall = async () => {
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
    await dialToEnd(completed);
    expect(await dial(completed)).toEqual({ kind: "dropped", reason: "call is completed" });
    for (const id of [canceled, deleted, foreign]) expect(await dialsOf(prisma(), id)).toBe(0);
    expect(await dialsOf(prisma(), completed)).toBe(1);
  });
});

describe("re-attachment: a job redelivered for a live call asks the provider, never dials again", () => {
  test("placed, then the job delivered again (its dialer died after placing): re-attached, one dial, completes", async () => {
    const { callId } = await queueCall(prisma(), null, org);
    expect(await dial(callId)).toMatchObject({ kind: "placed" });
    await providerRound(ctx); // the provider's clock emits ringing; nobody applies it (the dialers are down)
    // Redelivered to another dialer: the provider says ringing; that is applied; nothing is dialled.
    const other = testContext(suite, { provider: ctx.provider });
    expect(await dial(callId, other)).toEqual({ kind: "reattached", outcome: "reattached" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "ringing" });
    expect(await dial(callId, other)).toEqual({ kind: "reattached", outcome: "reattached" }); // again: no change
    expect(await runToEnd(other, prisma(), callId)).toBe("completed");
    expect(await dialsOf(prisma(), callId)).toBe(1);
    expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
  });

  test("a call that ended at the provider while every callback was lost ends the way the provider says", async () => {
    const { callId } = await queueCall(prisma(), null, org, { number: NUMBERS.busy });
    expect(await dial(callId)).toMatchObject({ kind: "placed" });
    await until(
      async () => {
        await (ctx.provider as SimulatedProvider).tick();
        return (await ctx.provider.getCall({ callId, attempt: 1 })).state === "ended";
      },
      10_000,
      10,
    );
    await prisma().providerEvent.deleteMany({ where: { callId } }); // the callbacks never arrived
    expect(await dial(callId)).toEqual({ kind: "reattached", outcome: "reattached" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "busy", endReason: "busy" });
  });

  test("claimed but never placed, at a provider asked by its own ids only (Twilio): ended dialer_lost once the owner is dead; refunded", async () => {
    const before = await credits(prisma(), org.orgId);
    const owner = "dlr_test_placing";
    await heartbeatDialer(suite.db.pool, owner);
    const { callId } = await queueCall(prisma(), null, org);
    await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing", incrementAttempts: true, ownerDialerId: owner });
    // The same provider, except that "unknown" no longer proves "never placed".
    const byItsIdsOnly = Object.assign(Object.create(ctx.provider), { findsCallsByOurReference: false });
    const other = testContext(suite, { provider: byItsIdsOnly, deadAfterMs: 60_000 });
    expect(await dial(callId, other)).toEqual({ kind: "reattached", outcome: "owner_alive" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "dialing" });
    await prisma().$executeRaw`UPDATE dialers SET heartbeat_at = now() - interval '1 hour' WHERE id = ${owner}`;
    expect(await dial(callId, other)).toEqual({ kind: "reattached", outcome: "ended" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "failed", endReason: "dialer_lost" });
    expect(await credits(prisma(), org.orgId)).toBe(before);
    expect(await dialsOf(prisma(), callId)).toBe(0);
  });

  test("claimed but never placed, at a provider that finds dials by our reference: the next attempt is placed once the owner is dead", async () => {
    const owner = "dlr_test_placing_2";
    await heartbeatDialer(suite.db.pool, owner);
    const { callId } = await queueCall(prisma(), null, org);
    await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing", incrementAttempts: true, ownerDialerId: owner });
    const other = testContext(suite, { provider: ctx.provider, deadAfterMs: 60_000 });
    expect(ctx.provider.findsCallsByOurReference).toBe(true);
    expect(await dial(callId, other)).toEqual({ kind: "reattached", outcome: "owner_alive" });
    await prisma().$executeRaw`UPDATE dialers SET heartbeat_at = now() - interval '1 hour' WHERE id = ${owner}`;
    // Attempt 1 is unknown at the provider: never placed. Attempt 2 waits for its backoff, then is placed.
    const result = await dial(callId, other);
    expect(result).toMatchObject({ kind: "retry" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "dialing", attempts: 1, retryPendingAt: expect.any(Date) });
    await prisma().call.update({ where: { id: callId }, data: { retryPendingAt: new Date(Date.now() - 1) } });
    expect(await dial(callId, other)).toMatchObject({ kind: "placed", attempt: 2 });
    expect(await dialsOf(prisma(), callId)).toBe(1);
  });

  test("still up past CALL_MAX_DURATION_MS: hung up at the provider, failed/call_timeout, engagement kept", async () => {
    const talking = new SimulatedProvider(suite.db.pool, { ringMs: 0, talkMs: 600_000, noAnswerMs: 0 });
    const context = testContext(suite, { provider: talking });
    const { callId } = await queueCall(prisma(), null, org);
    await dial(callId, context);
    await until(
      async () => {
        await providerRound(context);
        return (await callRow(prisma(), callId)).status === "in_progress";
      },
      10_000,
      10,
    );
    const strict = testContext(suite, { provider: talking, maxCallMs: 1000 });
    await prisma().$executeRaw`UPDATE calls SET dialing_at = now() - interval '2 seconds' WHERE id = ${callId}`;
    expect(await dial(callId, strict)).toEqual({ kind: "reattached", outcome: "ended" });
    expect(await callRow(prisma(), callId)).toMatchObject({ status: "failed", endReason: "call_timeout" });
    expect((await prisma().simulatedProviderCall.findFirstOrThrow({ where: { callId } })).outcome).toBe("hung_up");
    expect((await prisma().engagement.findUniqueOrThrow({ where: { callId } })).transcript).toContain("Priya Sharma");
  });
});

test("every transition is logged with call id, states and request id, and never with PII", async () => {
  const captured = captureLogger();
  const context = testContext(suite, { logger: captured.logger, provider: ctx.provider });
  const { callId, requestId } = await queueCall(prisma(), null, org, {
    number: NUMBERS.connectsIndia,
    contactName: "Zanele Okonkwo",
    contactEmail: "zanele@example.org",
    additionalInfo: { secret_note: "loves-blue-herons" },
  });
  await dial(callId, context);
  await runToEnd(context, prisma(), callId);
  const transitions = captured.lines().filter((l) => l.msg === "call transition" && l.callId === callId);
  expect(transitions.map((l) => [l.callId, l.from, l.to, l.requestId])).toEqual([
    [callId, "queued", "dialing", requestId],
    [callId, "dialing", "ringing", requestId],
    [callId, "ringing", "in_progress", requestId],
    [callId, "in_progress", "completed", requestId],
  ]);
  for (const pii of ["9876543210", "Zanele", "zanele@example.org", "loves-blue-herons"])
    expect(captured.text()).not.toContain(pii);
});

test("an unexpected error while placing (Postgres away) fails the job and leaves the call for the reconciler", async () => {
  const failing: TelephonyProvider = Object.assign(Object.create(ctx.provider) as TelephonyProvider, {
    placeCall: async () => {
      throw Object.assign(new Error("connection terminated"), { code: "ECONNRESET" });
    },
  });
  const { callId } = await queueCall(prisma(), null, org);
  await expect(dial(callId, testContext(suite, { provider: failing }))).rejects.toMatchObject({ code: "ECONNRESET" });
  expect(await callRow(prisma(), callId)).toMatchObject({ status: "dialing", retryPendingAt: null });
});
