import { newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCall } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, startProcess, type SuiteEnv } from "@inbound/testing";
import { createEndpoint } from "@inbound/webhooks";
import { startReceiver, until } from "../../../packages/webhooks/src/test-support/receiver";

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv({
    LOG_LEVEL: "info",
    WEBHOOK_ALLOW_INSECURE: "true",
    WEBHOOK_RELAY_INTERVAL_MS: "50",
    WEBHOOK_TIMEOUT_MS: "1000",
    WEBHOOK_LEASE_MS: "1500",
    WEBHOOK_RETRY_SCHEDULE_MS: "0,100,100,100,100,100",
    WEBHOOKS_PORT: "0",
  });
});
afterAll(() => suite.close());

test("a delivery worker SIGKILLed mid-delivery loses nothing: another one delivers every event", async () => {
  const orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 100, dailyQuota: 100 })).org_id;
  const agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
  let secret = "";
  let killed = false;
  // Until the first worker is killed, the receiver holds every request open (the attempts are mid-delivery).
  const receiver = await startReceiver(
    () => [secret],
    () => (killed ? { status: 200 } : { status: 200, delayMs: 60_000 }),
  );
  secret = (await createEndpoint({ sql: suite.db.pool, box: new SecretBox("0".repeat(64)), policy: { allowInsecure: true } }, { orgId, url: receiver.url })).secret;
  const first = startProcess("services/webhooks/src/main.ts", suite.env);
  await first.waitFor(/webhooks ready/);
  const calls: string[] = [];
  for (let i = 0; i < 6; i++) {
    const callId = newId("call");
    await createQueuedCall(suite.db.pool, { callId, orgId, agentId, contactNumber: "+14155552671", cost: 1 });
    calls.push(callId);
  }
  await until("attempts in flight", () => receiver.requests() >= 2);
  first.child.kill("SIGKILL");
  await first.exited;
  killed = true;
  const second = startProcess("services/webhooks/src/main.ts", suite.env);
  try {
    await second.waitFor(/webhooks ready/);
    await until("all delivered", async () => {
      const { rows } = await suite.db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM webhook_messages WHERE org_id = $1 AND status = 'delivered'",
        [orgId],
      );
      return rows[0]!.n === 6;
    }, 30_000);
    expect(new Set(receiver.received.map((r) => r.json.data.call_id))).toEqual(new Set(calls));
    expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
  } finally {
    second.child.kill("SIGTERM");
    await second.exited;
    await receiver.close();
  }
});
