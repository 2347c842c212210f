import { eraseCall } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import type { TelephonyProvider } from "../telephony/provider";
import { createTestOrg, NUMBERS, queueCall, runToEnd, type TestOrg, testContext } from "../test-support/fixtures";
import { dialCall } from "./dial-call";
import { PurgeFailedError, purgeCall } from "./purge-call";

let suite: SuiteEnv;
let org: TestOrg;

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db.prisma);
});
afterAll(() => suite.close());

/** A completed call (two provider attempts: 0003) deleted through the ingress' erase. */
async function deletedCall() {
  const ctx = testContext(suite, { backoffMs: 0 });
  const { callId } = await queueCall(suite.db.prisma, null, org, { number: NUMBERS.transientThenConnects });
  for (let i = 0; i < 3; i++)
    if ((await dialCall(ctx, { callId, orgId: org.orgId }, new AbortController().signal)).kind !== "retry") break;
  expect(await runToEnd(ctx, suite.db.prisma, callId)).toBe("completed");
  const erased = await eraseCall(suite.db.prisma, { callId, orgId: org.orgId, requestId: "req-delete" });
  expect(erased.deleted).toBe(true);
  return callId;
}

test("purges the provider's copies of every attempt and stamps the audit record, once", async () => {
  const callId = await deletedCall();
  const ctx = testContext(suite);
  expect(await suite.db.prisma.simulatedProviderCall.count({ where: { callId, toNumber: { not: null } } })).toBe(2);
  expect(await purgeCall(ctx, { callId, orgId: org.orgId })).toEqual({ kind: "purged", providerAttempts: 1 });
  const copies = await suite.db.prisma.simulatedProviderCall.findMany({ where: { callId } });
  expect(copies).toHaveLength(2);
  for (const copy of copies)
    expect(copy).toMatchObject({ toNumber: null, transcript: null, recordingUrl: null, purgedAt: expect.any(Date) });
  const audit = await suite.db.prisma.callDeletion.findUniqueOrThrow({ where: { callId } });
  expect(audit).toMatchObject({ providerAttempts: 1, requestId: "req-delete" });
  expect(audit.providerPurgedAt).toBeInstanceOf(Date);
  expect(audit.databaseErasedAt).toBeInstanceOf(Date);

  expect(await purgeCall(ctx, { callId, orgId: org.orgId })).toEqual({ kind: "dropped", reason: "already purged" });
  expect((await suite.db.prisma.callDeletion.findUniqueOrThrow({ where: { callId } })).providerPurgedAt).toEqual(
    audit.providerPurgedAt,
  );
});

test("a failing provider purge is counted and thrown (BullMQ retries it); the next attempt completes it", async () => {
  const callId = await deletedCall();
  const real = testContext(suite).provider;
  let calls = 0;
  const flaky: TelephonyProvider = {
    name: "flaky",
    findsCallsByOurReference: real.findsCallsByOurReference,
    placeCall: real.placeCall.bind(real),
    hangUp: real.hangUp.bind(real),
    retrieveCall: real.retrieveCall.bind(real),
    getCall: real.getCall.bind(real),
    async deleteArtifacts(input) {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error("provider 503"), { code: "provider_unavailable" });
      return real.deleteArtifacts(input);
    },
  };
  const ctx = testContext(suite, { provider: flaky });
  const error = await purgeCall(ctx, { callId, orgId: org.orgId }).catch((e) => e);
  expect(error).toBeInstanceOf(PurgeFailedError);
  expect(error.message).toBe("provider purge failed: provider_unavailable");
  expect(await suite.db.prisma.callDeletion.findUniqueOrThrow({ where: { callId } })).toMatchObject({
    providerAttempts: 1,
    providerPurgedAt: null,
  });
  expect(await purgeCall(ctx, { callId, orgId: org.orgId })).toEqual({ kind: "purged", providerAttempts: 2 });
});

test("no deletion record (or another organisation's): nothing is purged", async () => {
  const callId = await deletedCall();
  const ctx = testContext(suite);
  expect(await purgeCall(ctx, { callId, orgId: "org_other" })).toEqual({ kind: "dropped", reason: "no deletion record" });
  expect(await purgeCall(ctx, { callId: "call_none", orgId: org.orgId })).toEqual({
    kind: "dropped",
    reason: "no deletion record",
  });
  expect(await suite.db.prisma.simulatedProviderCall.count({ where: { callId, purgedAt: null } })).toBe(2);
});
