import { ProviderError, type TelephonyProvider } from "../telephony/provider";
import { MemoryDialerStore } from "../test-support/memory-dialer-store";
import { dialCall } from "./dial-call";

/** dialCall's decisions over the in-memory ports (no Postgres, no Redis): see dial-call.test.ts for the real thing. */

const never = new AbortController().signal;

function provider(
  place: TelephonyProvider["placeCall"],
  overrides: Partial<TelephonyProvider> = {},
): TelephonyProvider & { placed: number } {
  const fake = {
    name: "fake",
    findsCallsByOurReference: true,
    placed: 0,
    async placeCall(target: Parameters<TelephonyProvider["placeCall"]>[0], signal: AbortSignal) {
      fake.placed += 1;
      return place(target, signal);
    },
    hangUp: async () => undefined,
    getCall: async () => ({ state: "unknown" }) as const,
    retrieveCall: async () => null,
    deleteArtifacts: async () => undefined,
    ...overrides,
  };
  return fake;
}

const placesOk = () => provider(async (target) => ({ providerCallId: `fake_${target.callId}_${target.attempt}` }));

describe("placed", () => {
  test("a queued call is claimed (queued → dialing, attempt 1, owned) and placed; its provider id recorded", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1" });
    const ctx = store.context(placesOk());
    expect(await dialCall(ctx, { callId: "call_1", orgId: "org_1" }, never)).toEqual({ kind: "placed", attempt: 1 });
    expect(store.calls.get("call_1")).toMatchObject({
      status: "dialing",
      attempts: 1,
      ownerDialerId: "dlr_unit",
      providerCallId: "fake_call_1_1",
      events: ["queued→dialing"],
    });
    expect(ctx.liveness.following.size).toBe(0);
  });

  test("a due retry claims the next attempt and places it", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1", status: "dialing", attempts: 1, retryPendingAt: store.now - 1 });
    expect(await dialCall(store.context(placesOk()), { callId: "call_1", orgId: "org_1" }, never)).toEqual({
      kind: "placed",
      attempt: 2,
    });
    expect(store.calls.get("call_1")).toMatchObject({ attempts: 2, retryPendingAt: null, providerCallId: "fake_call_1_2" });
  });
});

describe("retry", () => {
  test("a transient error schedules the retry (backoff doubles per attempt); the call waits in dialing", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1" });
    const fake = provider(async () => {
      throw new ProviderError("carrier_timeout", true);
    });
    const ctx = store.context(fake, { maxAttempts: 3, backoffMs: 100 });
    expect(await dialCall(ctx, { callId: "call_1", orgId: "org_1" }, never)).toEqual({ kind: "retry", delayMs: 100 });
    expect(store.calls.get("call_1")).toMatchObject({ status: "dialing", attempts: 1, retryPendingAt: store.now + 100 });
    // Redelivered early: told how long is left, nothing dialled.
    store.now += 40;
    expect(await dialCall(ctx, { callId: "call_1", orgId: "org_1" }, never)).toEqual({ kind: "retry", delayMs: 60 });
    expect(fake.placed).toBe(1);
    store.now += 60;
    expect(await dialCall(ctx, { callId: "call_1", orgId: "org_1" }, never)).toEqual({ kind: "retry", delayMs: 200 });
    store.now += 200;
    expect(await dialCall(ctx, { callId: "call_1", orgId: "org_1" }, never)).toEqual({
      kind: "ended",
      status: "failed",
      endReason: "carrier_timeout",
    });
    expect(store.calls.get("call_1")).toMatchObject({
      status: "failed",
      attempts: 3,
      endReason: "carrier_timeout",
      refunded: true,
    });
    expect(store.calls.get("call_1")?.events).toEqual(["queued→dialing", "dialing→dialing", "dialing→dialing", "dialing→failed"]);
    expect(fake.placed).toBe(3);
  });

  test("a permanent error ends the call at once, refunded", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1" });
    const fake = provider(async () => {
      throw new ProviderError("destination_unreachable", false);
    });
    expect(await dialCall(store.context(fake), { callId: "call_1", orgId: "org_1" }, never)).toEqual({
      kind: "ended",
      status: "failed",
      endReason: "destination_unreachable",
    });
    expect(store.calls.get("call_1")).toMatchObject({ status: "failed", refunded: true });
  });

  test("a call with no number is ended without dialling", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1", contactNumber: null });
    const fake = placesOk();
    expect(await dialCall(store.context(fake), { callId: "call_1", orgId: "org_1" }, never)).toMatchObject({
      kind: "ended",
      endReason: "missing_contact_number",
    });
    expect(fake.placed).toBe(0);
  });
});

describe("dropped", () => {
  test.each([
    ["missing", undefined, "call not found"],
    ["of another organisation", { orgId: "org_2" }, "call not found"],
    ["deleted", { deleted: true }, "call not found"],
    ["completed", { status: "completed" as const }, "call is completed"],
    ["canceled", { status: "canceled" as const }, "call is canceled"],
  ])("a call %s: dropped, nothing dialled", async (_what, row, reason) => {
    const store = new MemoryDialerStore();
    if (row) store.addCall({ id: "call_1", ...row });
    const fake = placesOk();
    expect(await dialCall(store.context(fake), { callId: "call_1", orgId: "org_1" }, never)).toEqual({ kind: "dropped", reason });
    expect(fake.placed).toBe(0);
  });

  test("a retry scheduled after the call moved on (ended meanwhile): dropped", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1" });
    const fake = provider(async () => {
      store.calls.get("call_1")!.status = "failed"; // someone else ended it while the provider was asked
      throw new ProviderError("carrier_timeout", true);
    });
    expect(await dialCall(store.context(fake), { callId: "call_1", orgId: "org_1" }, never)).toEqual({
      kind: "dropped",
      reason: "call moved on before its retry was scheduled",
    });
  });

  test("a redelivered job for a live call never dials again: re-attached from the provider's view", async () => {
    const store = new MemoryDialerStore();
    store.addCall({ id: "call_1", status: "ringing", attempts: 1, providerCallId: "p_1" });
    const fake = provider(async () => ({ providerCallId: "never" }), {
      getCall: async () => ({ state: "up", providerCallId: "p_1", event: "ringing" }) as const,
    });
    expect(await dialCall(store.context(fake), { callId: "call_1", orgId: "org_1" }, never)).toEqual({
      kind: "reattached",
      outcome: "reattached",
    });
    expect(fake.placed).toBe(0);
  });
});
