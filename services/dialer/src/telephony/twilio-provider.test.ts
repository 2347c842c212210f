import { ConfigError, loadConfig } from "@inbound/config";
import { eraseCall } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { startIngress, type TestIngress } from "../../../ingress/src/test-support/harness";
import type { DialerContext } from "../context";
import {
  callRow,
  createTestOrg,
  providerRound,
  queueCall,
  runToEnd,
  statePath,
  type TestOrg,
  testContext,
} from "../test-support/fixtures";
import { startTwilioPeer, type TwilioPeer } from "../test-support/twilio-peer";
import { dialCall } from "../use-cases/dial-call";
import { purgeCall } from "../use-cases/purge-call";
import { TwilioProvider } from "./twilio-provider";

/** The Twilio adapter, the ingress' callback route and the dialer's event pump against a local Twilio-protocol peer. */
const TWILIO = {
  TELEPHONY_PROVIDER: "twilio",
  TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "peer-auth-token-0123456789",
  TWILIO_FROM_NUMBER: "+15005550006",
  // What Twilio is told (a proxy in front of the ingress in production): the signature covers this URL.
  PUBLIC_BASE_URL: "https://calls.example.test",
};

let suite: SuiteEnv;
let ingress: TestIngress;
let peer: TwilioPeer;
let org: TestOrg;
let ctx: DialerContext;

beforeAll(async () => {
  suite = await createSuiteEnv(TWILIO);
  ingress = await startIngress(suite);
  peer = await startTwilioPeer({
    accountSid: TWILIO.TWILIO_ACCOUNT_SID,
    authToken: TWILIO.TWILIO_AUTH_TOKEN,
    deliverTo: ingress.url,
  });
  org = await createTestOrg(suite.db.prisma);
  ctx = testContext(suite, {
    provider: new TwilioProvider({
      accountSid: TWILIO.TWILIO_ACCOUNT_SID,
      authToken: TWILIO.TWILIO_AUTH_TOKEN,
      fromNumber: TWILIO.TWILIO_FROM_NUMBER,
      publicBaseUrl: TWILIO.PUBLIC_BASE_URL,
      apiBaseUrl: peer.url,
    }),
  });
});
afterAll(async () => {
  await peer?.close();
  await ingress?.close();
  await suite?.close();
});

const never = new AbortController().signal;
const prisma = () => suite.db.prisma;

async function placed(number: string) {
  const { callId } = await queueCall(prisma(), null, org, { number });
  expect(await dialCall(ctx, { callId, orgId: org.orgId }, never)).toEqual({ kind: "placed", attempt: 1 });
  const sid = (await callRow(prisma(), callId)).providerCallId as string;
  expect(sid).toMatch(/^CA/);
  return { callId, sid };
}

test("calls.create as Twilio documents it; the callbacks, verified and recorded, complete the call with its recording", async () => {
  const { callId, sid } = await placed("+14155552671");
  const call = peer.calls.get(sid)!;
  expect(call.statusCallbackEvents).toEqual(["initiated", "ringing", "answered", "completed"]);
  expect(call.statusCallback).toBe(`https://calls.example.test/v1/provider-callbacks/twilio?call_id=${callId}&attempt=1`);
  await peer.played(sid);
  expect(peer.sent.filter((s) => s.callSid === sid).map((s) => [s.status, s.answer])).toEqual([
    ["initiated", 204],
    ["ringing", 204],
    ["in-progress", 204],
    ["completed", 204],
  ]);
  expect(await runToEnd(ctx, prisma(), callId)).toBe("completed");
  expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
  const engagement = await prisma().engagement.findUniqueOrThrow({ where: { callId } });
  expect(engagement.durationSeconds).toBe(7);
  expect(engagement.recording).toMatchObject({ provider: "twilio", provider_call_id: sid, duration_seconds: 7 });
});

test.each([
  ["+14155550001", "busy", "busy"],
  ["+14155550000", "no_answer", "no_answer"],
  ["+14155550002", "failed", "provider_failed"],
])("%s ends %s (%s), no engagement", async (number, status, endReason) => {
  const { callId, sid } = await placed(number);
  await peer.played(sid);
  expect(await runToEnd(ctx, prisma(), callId)).toBe(status);
  expect(await callRow(prisma(), callId)).toMatchObject({ endReason });
  expect(await prisma().engagement.count({ where: { callId } })).toBe(0);
});

test("an invalid number is refused by Twilio at create: failed at once with Twilio's code", async () => {
  const { callId } = await queueCall(prisma(), null, org, { number: "+14155552671" });
  await prisma().call.update({ where: { id: callId }, data: { contactNumber: "not-a-number" } });
  expect(await dialCall(ctx, { callId, orgId: org.orgId }, never)).toEqual({
    kind: "ended",
    status: "failed",
    endReason: "twilio_21211",
  });
});

test("a callback with a bad (or no) signature is refused with 403, recorded nowhere, logged without PII", async () => {
  const { callId, sid } = await placed("+14155550009");
  expect(await peer.send(sid, "in-progress", { badSignature: true })).toBe(403);
  const unsigned = await fetch(`${ingress.url}/v1/provider-callbacks/twilio?call_id=${callId}&attempt=1`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `CallSid=${sid}&CallStatus=completed&To=%2B14155550009`,
  });
  expect(unsigned.status).toBe(403);
  expect(await prisma().providerEvent.count({ where: { callId } })).toBe(0);
  const refusals = ingress.logs.filter((l) => l.includes("twilio callback refused"));
  expect(refusals.length).toBe(2);
  expect(ingress.logs.join("")).not.toContain("4155550009");
  await peer.send(sid, "completed"); // ends the call for the next tests' pump rounds
});

test("duplicate and out-of-order callbacks: one path, one end", async () => {
  const { callId, sid } = await placed("+14155550009");
  for (const status of ["in-progress", "ringing", "in-progress", "completed", "ringing", "completed"])
    expect(await peer.send(sid, status)).toBe(204);
  expect(await runToEnd(ctx, prisma(), callId)).toBe("completed");
  await providerRound(ctx);
  expect(await statePath(prisma(), callId)).toEqual(["queued", "dialing", "ringing", "in_progress", "completed"]);
  expect(await prisma().callEvent.count({ where: { callId } })).toBe(5);
  const outcomes = (await prisma().providerEvent.findMany({ where: { callId }, orderBy: { id: "asc" } })).map((e) => e.outcome);
  expect(outcomes).toEqual([
    "moved",
    "ignored:past_it",
    "ignored:already_there",
    "moved",
    "ignored:past_it",
    "ignored:already_there",
  ]);
});

test("a lost callback: re-attaching asks Twilio (calls.fetch) and applies what it says", async () => {
  const { callId, sid } = await placed("+14155550009");
  peer.calls.get(sid)!.status = "in-progress"; // Twilio moved on; its callback never arrived
  expect(await dialCall(ctx, { callId, orgId: org.orgId }, never)).toEqual({ kind: "reattached", outcome: "reattached" });
  expect(await callRow(prisma(), callId)).toMatchObject({ status: "in_progress" });
  await ctx.provider.hangUp({ callId, attempt: 1, providerCallId: sid });
  expect(peer.calls.get(sid)!.status).toBe("completed");
  expect(await dialCall(ctx, { callId, orgId: org.orgId }, never)).toEqual({ kind: "reattached", outcome: "reattached" });
  expect(await callRow(prisma(), callId)).toMatchObject({ status: "completed" });
});

test("purge deletes the call's recording at the peer", async () => {
  const { callId, sid } = await placed("+14155552671");
  await peer.played(sid);
  expect(await runToEnd(ctx, prisma(), callId)).toBe("completed");
  expect([...peer.recordings.values()].filter((r) => r.callSid === sid)).toHaveLength(1);
  expect((await eraseCall(prisma(), { callId, orgId: org.orgId })).deleted).toBe(true);
  expect(await purgeCall(ctx, { callId, orgId: org.orgId })).toMatchObject({ kind: "purged" });
  expect([...peer.recordings.values()].filter((r) => r.callSid === sid)).toHaveLength(0);
});

test("config refuses half a Twilio configuration, naming what is missing", () => {
  const base = Object.fromEntries(Object.entries(suite.env).filter(([key]) => !(key in TWILIO)));
  expect(() => loadConfig({ ...base, TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID })).toThrow(
    /TWILIO_AUTH_TOKEN.*TWILIO_FROM_NUMBER/,
  );
  expect(() => loadConfig({ ...base, TELEPHONY_PROVIDER: "twilio" })).toThrow(/TWILIO_ACCOUNT_SID/);
  expect(loadConfig({ ...base, ...TWILIO }).TELEPHONY_PROVIDER).toBe("twilio");
});
