import { slotsHeld } from "@inbound/db";
import { addOptOutUseCase, systemClock } from "@inbound/orders";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { dialCall } from "./use-cases/dial-call";
import {
  callRow,
  createTestOrg,
  credits,
  dialsOf,
  eventPath,
  NUMBERS,
  queueCall,
  testContext,
  type TestOrg,
} from "./test-support/fixtures";

/**
 * Do-not-call (SPEC §9: "adding a number cancels every scheduled, queued or retry-pending call to it in one
 * step"): a call waiting for the retry of a transient provider error (dialing, retry_pending) is at no
 * provider, so adding its number cancels it in the opt-out's statement — credit refunded, its organisation's
 * slot given back — and its retry job, when it runs, dials nothing. A call up at the provider is not touched.
 */
let suite: SuiteEnv;
let org: TestOrg;

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db.prisma);
});
afterAll(() => suite.close());

const liveCalls = () => slotsHeld(suite.db.pool, org.orgId);

test("an opt-out cancels a call waiting for its transient retry (refund, slot back); the retry dials nothing", async () => {
  const ctx = testContext(suite, { backoffMs: 60_000 });
  const before = await credits(suite.db.prisma, org.orgId);
  const { callId } = await queueCall(suite.db.prisma, null, org, { number: NUMBERS.transientThenConnects });
  const live = await queueCall(suite.db.prisma, null, org, { number: NUMBERS.transientThenConnects });
  expect(await dialCall(ctx, { callId, orgId: org.orgId }, new AbortController().signal)).toEqual({
    kind: "retry",
    delayMs: 60_000,
  });
  // The other call of the number has a retry pending too, then is placed (up at the provider).
  await dialCall(ctx, { callId: live.callId, orgId: org.orgId }, new AbortController().signal);
  await suite.db.pool.query("UPDATE calls SET retry_pending_at = now() - interval '1 second' WHERE id = $1", [live.callId]);
  expect(await dialCall(ctx, { callId: live.callId, orgId: org.orgId }, new AbortController().signal)).toEqual({
    kind: "placed",
    attempt: 2,
  });
  expect(await callRow(suite.db.prisma, callId)).toMatchObject({ status: "dialing", retryPendingAt: expect.any(Date) });
  expect(await liveCalls()).toBe(2);

  const added = await addOptOutUseCase(
    { sql: suite.db.pool, clock: systemClock },
    { orgId: org.orgId, number: NUMBERS.transientThenConnects, source: "cli" },
  );
  expect(added).toMatchObject({ added: true, canceled_calls: 1, canceled_call_ids: [callId] });
  expect(await callRow(suite.db.prisma, callId)).toMatchObject({ status: "canceled", retryPendingAt: null });
  expect((await eventPath(suite.db.prisma, callId)).slice(-1)).toEqual(["dialing→canceled"]);
  expect(await callRow(suite.db.prisma, live.callId)).toMatchObject({ status: "dialing", retryPendingAt: null });
  expect(await liveCalls()).toBe(1);
  expect(await credits(suite.db.prisma, org.orgId)).toBe(before - 1);

  // Its retry job runs when due: nothing is dialled.
  await suite.db.pool.query("UPDATE calls SET retry_pending_at = now() - interval '1 second' WHERE id = $1", [callId]);
  const retried = await dialCall(ctx, { callId, orgId: org.orgId }, new AbortController().signal);
  expect(retried.kind).not.toBe("placed");
  expect(await dialsOf(suite.db.prisma, callId)).toBe(1);
  expect(await callRow(suite.db.prisma, callId)).toMatchObject({ status: "canceled" });
});
