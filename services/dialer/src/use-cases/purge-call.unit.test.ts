import type { TelephonyProvider } from "../telephony/provider";
import { MemoryDialerStore } from "../test-support/memory-dialer-store";
import { PurgeFailedError, purgeCall } from "./purge-call";

/** purgeCall's decisions over the in-memory ports: see purge-call.test.ts for Postgres and the simulated provider. */

function provider(deleteArtifacts: TelephonyProvider["deleteArtifacts"]): TelephonyProvider {
  return {
    name: "fake",
    findsCallsByOurReference: true,
    placeCall: async () => ({ providerCallId: "x" }),
    hangUp: async () => undefined,
    getCall: async () => ({ state: "unknown" }),
    retrieveCall: async () => null,
    deleteArtifacts,
  };
}

function storeWithDeletion(overrides: { providerPurgedAt?: Date | null; providerCallId?: string | null } = {}) {
  const store = new MemoryDialerStore();
  store.deletions.set("call_1", {
    callId: "call_1",
    orgId: "org_1",
    providerCallId: "p_2",
    requestId: null,
    providerPurgedAt: null,
    providerAttempts: 0,
    requestedAt: store.now,
    ...overrides,
  });
  store.providerCallIds.set("call_1", ["p_1", "p_2"]);
  return store;
}

test("purges every provider call id of the call once, and stamps the deletion", async () => {
  const store = storeWithDeletion();
  const asked: string[][] = [];
  const ctx = store.context(provider(async (input) => void asked.push(input.providerCallIds)));
  expect(await purgeCall(ctx, { callId: "call_1", orgId: "org_1" })).toEqual({ kind: "purged", providerAttempts: 1 });
  expect(asked).toEqual([["p_1", "p_2"]]);
  expect(store.deletions.get("call_1")?.providerPurgedAt).toBeInstanceOf(Date);
});

test("a provider failure counts the attempt and throws a PII-free error (BullMQ retries)", async () => {
  const store = storeWithDeletion();
  const failing = provider(async () => {
    throw Object.assign(new Error("secret +14155550100"), { code: "ECONNRESET" });
  });
  const error = await purgeCall(store.context(failing), { callId: "call_1", orgId: "org_1" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PurgeFailedError);
  expect((error as Error).message).toBe("provider purge failed: ECONNRESET");
  expect(store.deletions.get("call_1")).toMatchObject({ providerAttempts: 1, providerPurgedAt: null });
});

test.each([
  ["no deletion record", () => new MemoryDialerStore(), "no deletion record"],
  ["another organisation's deletion", () => storeWithDeletion(), "no deletion record", "org_2"],
  ["already purged", () => storeWithDeletion({ providerPurgedAt: new Date() }), "already purged"],
])("%s: dropped, the provider is not asked", async (_what, make, reason, orgId = "org_1") => {
  let asked = 0;
  const ctx = make().context(
    provider(async () => {
      asked += 1;
    }),
  );
  expect(await purgeCall(ctx, { callId: "call_1", orgId })).toEqual({ kind: "dropped", reason });
  expect(asked).toBe(0);
});
