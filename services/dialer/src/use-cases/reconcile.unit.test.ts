import type { CallJob, PurgeJob } from "@inbound/queue";
import type { DialerJobs, JobLiveness } from "../ports/dialer-jobs";
import type { ProviderCallState, TelephonyProvider } from "../telephony/provider";
import { MemoryDialerStore } from "../test-support/memory-dialer-store";
import { createReconcilerOver } from "./reconcile";

/** The reconciler's decisions over in-memory ports: see reconcile.test.ts for Postgres and Redis. */

class MemoryJobs implements DialerJobs {
  readonly jobs = new Map<string, JobLiveness>();
  readonly requeued: string[] = [];
  redisAway = false;

  async states(kind: "call" | "purge", callIds: readonly string[]): Promise<JobLiveness[]> {
    if (this.redisAway) throw new Error("Connection is closed");
    return callIds.map((id) => this.jobs.get(`${kind}:${id}`) ?? { state: "missing" });
  }
  async requeueCall(job: CallJob): Promise<void> {
    this.jobs.set(`call:${job.callId}`, { state: "live" });
    this.requeued.push(`call:${job.callId}`);
  }
  async requeuePurge(job: PurgeJob): Promise<void> {
    this.jobs.set(`purge:${job.callId}`, { state: "live" });
    this.requeued.push(`purge:${job.callId}`);
  }
}

function provider(getCall: (callId: string) => ProviderCallState): TelephonyProvider & { hungUp: string[] } {
  const hungUp: string[] = [];
  return {
    name: "fake",
    findsCallsByOurReference: false,
    hungUp,
    placeCall: async () => ({ providerCallId: "x" }),
    hangUp: async (ref) => void hungUp.push(ref.callId),
    getCall: async (ref) => getCall(ref.callId),
    retrieveCall: async () => null,
    deleteArtifacts: async () => undefined,
  };
}

const AFTER_MS = 60_000;
const STUCK_MS = 30_000;

function setup(getCall: (callId: string) => ProviderCallState = () => ({ state: "unknown" })) {
  const store = new MemoryDialerStore();
  const jobs = new MemoryJobs();
  const fake = provider(getCall);
  const ctx = store.context(fake, { maxCallMs: 600_000 });
  const reconciler = createReconcilerOver(ctx, jobs, { afterMs: AFTER_MS, stuckAfterMs: STUCK_MS });
  return { store, jobs, fake, ctx, reconciler };
}

describe("queued calls and deletions without a live job", () => {
  test("old enough and missing, or finished long ago: enqueued again; live, young, or just finished: left alone", async () => {
    const { store, jobs, reconciler } = setup();
    const old = store.now - AFTER_MS - 1;
    for (const id of ["call_missing", "call_finished_long_ago", "call_live", "call_just_finished"])
      store.addCall({ id, queuedAt: old });
    store.addCall({ id: "call_young", queuedAt: store.now });
    jobs.jobs.set("call:call_live", { state: "live" });
    jobs.jobs.set("call:call_finished_long_ago", { state: "finished", finishedAgoMs: AFTER_MS + 1 });
    jobs.jobs.set("call:call_just_finished", { state: "finished", finishedAgoMs: 10 });
    store.deletions.set("call_gone", {
      callId: "call_gone",
      orgId: "org_1",
      providerCallId: null,
      requestId: null,
      providerPurgedAt: null,
      providerAttempts: 1,
      requestedAt: old,
    });
    const report = await reconciler.runOnce();
    expect(report.requeuedCalls.sort()).toEqual(["call_finished_long_ago", "call_missing"]);
    expect(report.requeuedPurges).toEqual(["call_gone"]);
    // A second round finds their jobs live: nothing more.
    const again = await reconciler.runOnce();
    expect([again.requeuedCalls, again.requeuedPurges]).toEqual([[], []]);
  });

  test("Redis away: nothing requeued, the round still ends (each step on its own)", async () => {
    const { store, jobs, reconciler } = setup();
    store.addCall({ id: "call_1", queuedAt: store.now - AFTER_MS - 1 });
    store.idempotencyRecordsExpired = 3;
    jobs.redisAway = true;
    const report = await reconciler.runOnce();
    expect(report.requeuedCalls).toEqual([]);
    expect(report.sweptIdempotencyRecords).toBe(3);
  });
});

describe("idle live calls", () => {
  const idle = (store: MemoryDialerStore) => store.now - STUCK_MS - 1;

  test("a pending retry whose delayed job is gone is enqueued again; one whose job is live is left", async () => {
    const { store, jobs, reconciler } = setup();
    store.addCall({ id: "call_gone", status: "dialing", attempts: 1, retryPendingAt: store.now, updatedAt: idle(store) });
    store.addCall({ id: "call_waiting", status: "dialing", attempts: 1, retryPendingAt: store.now, updatedAt: idle(store) });
    jobs.jobs.set("call:call_waiting", { state: "live" });
    expect((await reconciler.runOnce()).retriesRequeued).toEqual(["call_gone"]);
  });

  test("unknown at the provider, its dialer dead: ended as dialer_lost (hung up, refunded)", async () => {
    const { store, fake, reconciler } = setup();
    store.addCall({ id: "call_1", status: "dialing", attempts: 1, ownerDialerId: "dlr_dead", updatedAt: idle(store) });
    store.dialers.set("dlr_dead", store.now - 60_000);
    expect((await reconciler.runOnce()).endedLostCalls).toEqual(["call_1"]);
    expect(store.calls.get("call_1")).toMatchObject({ status: "failed", endReason: "dialer_lost", refunded: true });
    expect(fake.hungUp).toEqual(["call_1"]);
  });

  test("unknown at the provider while its dialer is alive: left alone", async () => {
    const { store, reconciler } = setup();
    store.addCall({ id: "call_1", status: "dialing", attempts: 1, ownerDialerId: "dlr_alive", updatedAt: idle(store) });
    store.dialers.set("dlr_alive", store.now);
    const report = await reconciler.runOnce();
    expect([report.endedLostCalls, report.reattachedCalls]).toEqual([[], []]);
    expect(store.calls.get("call_1")?.status).toBe("dialing");
  });

  test("a provider id the provider no longer knows: provider_lost", async () => {
    const { store, reconciler } = setup();
    store.addCall({ id: "call_1", status: "ringing", attempts: 1, providerCallId: "p_1", updatedAt: idle(store) });
    expect((await reconciler.runOnce()).endedLostCalls).toEqual(["call_1"]);
    expect(store.calls.get("call_1")).toMatchObject({ status: "failed", endReason: "provider_lost" });
  });

  test("still up at the provider: re-attached and marked seen (not asked again before its idle time)", async () => {
    const { store, reconciler } = setup(() => ({ state: "up", providerCallId: "p_1", event: "answered" }));
    store.addCall({ id: "call_1", status: "ringing", attempts: 1, providerCallId: "p_1", updatedAt: idle(store) });
    expect((await reconciler.runOnce()).reattachedCalls).toEqual(["call_1"]);
    expect(store.calls.get("call_1")?.status).toBe("in_progress"); // the missed `answered`, applied
    expect((await reconciler.runOnce()).reattachedCalls).toEqual([]);
  });

  test("up past CALL_MAX_DURATION_MS: hung up, call_timeout", async () => {
    const { store, fake, reconciler } = setup(() => ({ state: "up", providerCallId: "p_1", event: "answered" }));
    store.addCall({
      id: "call_1",
      status: "in_progress",
      attempts: 1,
      providerCallId: "p_1",
      dialingAt: store.now - 600_001,
      answeredAt: store.now - 500_000,
      updatedAt: idle(store),
    });
    expect((await reconciler.runOnce()).endedLostCalls).toEqual(["call_1"]);
    expect(store.calls.get("call_1")).toMatchObject({ status: "failed", endReason: "call_timeout", refunded: false });
    expect(fake.hungUp).toEqual(["call_1"]);
  });

  test("a call this process is placing right now is never judged", async () => {
    const { store, ctx, reconciler } = setup();
    store.addCall({ id: "call_1", status: "dialing", attempts: 1, updatedAt: idle(store) });
    ctx.liveness.following.add("call_1");
    const report = await reconciler.runOnce();
    expect([report.endedLostCalls, report.reattachedCalls]).toEqual([[], []]);
  });
});
