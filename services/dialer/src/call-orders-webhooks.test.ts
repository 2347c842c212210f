import { loadConfig } from "@inbound/config";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import { createEndpoint } from "@inbound/webhooks";
import { startReceiver } from "../../../packages/webhooks/src/test-support/receiver";
import { createTestOrg, startIngress, type TestIngress, type TestOrg } from "../../ingress/src/test-support/harness";
import { createDialer, type Dialer } from "./create-dialer";
import { captureLogger } from "./test-support/fixtures";

/**
 * The call-order statuses as status webhooks (SPEC §9, §6; README "Call orders"): call.scheduled,
 * call.expired and call.voicemail delivered by the dialer's webhook worker to a real loopback receiver,
 * each verified with `standardwebhooks`, in sequence, with previous_status, and PII-free (no contact
 * number, name, email or additional_info anywhere in a body). The ingress and the in-process dialer share
 * one fake clock, as in call-orders.test.ts.
 */
const WEBHOOKS = {
  WEBHOOK_ALLOW_INSECURE: "true",
  WEBHOOK_RELAY_INTERVAL_MS: "50",
  WEBHOOK_TIMEOUT_MS: "2000",
  WEBHOOK_RETRY_SCHEDULE_MS: "0,100,100,100,100,100,100,100",
};
const box = new SecretBox("0".repeat(64));

let suite: SuiteEnv;
let ingress: TestIngress;
let dialer: Dialer;
let now = Date.parse("2026-11-30T16:00:00Z");
const clock = () => now;
const log = captureLogger();

beforeAll(async () => {
  suite = await createSuiteEnv(WEBHOOKS);
  ingress = await startIngress(suite, { clock });
  dialer = createDialer({
    config: loadConfig({ ...suite.env, ORDERS_TICK_MS: "20", SIM_RING_MS: "20", SIM_NO_ANSWER_MS: "20", SIM_TALK_MS: "100" }),
    logger: log.logger,
    clock: { now: () => new Date(now) },
  });
  await dialer.start();
}, 60_000);
afterAll(async () => {
  await dialer?.stop();
  await ingress?.close();
  await suite?.close();
});

const PII = { contact_name: "Priya Sharma", contact_email: "priya@example.com", additional_info: { order_id: "A-1042" } };

async function create(org: TestOrg, data: Record<string, unknown>) {
  const res = await ingress.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, ...PII, ...data } });
  expect(res.status).toBe(201);
  return res.body as { call_id: string; status: string };
}

const statusOf = async (callId: string) => (await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } })).status;

test("call.scheduled, call.expired and call.voicemail reach a real receiver: verified, in sequence, PII-free", async () => {
  const org = await createTestOrg(suite.db, { credits: 10 });
  let secret = "";
  const receiver = await startReceiver(() => [secret]);
  secret = (
    await createEndpoint({ sql: suite.db.pool, box, policy: { allowInsecure: true } }, { orgId: org.orgId, url: receiver.url })
  ).secret;
  try {
    now = Date.parse("2026-11-30T16:00:00Z");
    const expiring = await create(org, {
      contact_number: "+14155550107",
      not_before: "2026-11-30T16:01:00Z",
      not_after: "2026-11-30T16:02:00Z",
    });
    const machine = await create(org, { contact_number: "+14155550004" }); // answered by a machine
    expect([expiring.status, machine.status]).toEqual(["scheduled", "queued"]);
    await eventually(async () => (await statusOf(machine.call_id)) === "voicemail", 15_000);
    now = Date.parse("2026-11-30T16:03:00Z"); // due, and past not_after before any dial
    await eventually(async () => (await statusOf(expiring.call_id)) === "expired", 15_000);

    const expected: Record<string, [string, string | null][]> = {
      [expiring.call_id]: [
        ["call.scheduled", null],
        ["call.queued", "scheduled"],
        ["call.expired", "queued"],
      ],
      [machine.call_id]: [
        ["call.queued", null],
        ["call.dialing", "queued"],
        ["call.ringing", "dialing"],
        ["call.voicemail", "ringing"],
      ],
    };
    const total = Object.values(expected).reduce((n, path) => n + path.length, 0);
    await eventually(() => new Set(receiver.received.map((r) => r.id)).size === total, 30_000);
    for (const [callId, path] of Object.entries(expected)) {
      const got = [
        ...new Map(receiver.received.filter((r) => r.json.data.call_id === callId).map((r) => [r.id, r])).values(),
      ].sort((x, y) => x.json.data.sequence - y.json.data.sequence);
      expect(got.map((r) => [r.json.type, r.json.data.previous_status])).toEqual(path);
      expect(got.map((r) => r.json.data.sequence)).toEqual(path.map((_, i) => i + 1));
      expect(got.map((r) => r.json.data.status)).toEqual(path.map(([type]) => type.slice(5)));
    }
    for (const r of receiver.received) {
      expect(r.verifiedWith).toEqual([secret]);
      expect(r.body).not.toMatch(/4155550107|4155550004|Priya|priya@|A-1042|contact_|additional_info/);
    }
  } finally {
    await receiver.close();
  }
}, 90_000);
