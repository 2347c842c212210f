import { SecretBox, signPayload } from "@inbound/security";
import { enableSigning } from "@inbound/db";
import { admin, createBody, createTestOrg, send } from "../test-support/harness";
import { createFaultEnv, type FaultEnv } from "./fault-env";

/**
 * Fault: during a signing-secret grace period an attacker captures a request signed with both secrets and
 * resends it with only one of them. Must hold: 401 replayed_request, one call; on every ingress process.
 */
let env: FaultEnv;

beforeAll(async () => {
  env = await createFaultEnv();
});
afterAll(() => env?.close());

test("a dual-signed request resent with one signature, to either of two ingress processes: 401 replayed_request", async () => {
  const org = await createTestOrg(env.suite.db, { credits: 10 });
  const box = new SecretBox(env.suite.config.SECRETS_KEY);
  const { signing_secret: old } = await enableSigning(env.suite.db.prisma, box, org.orgId);
  const { signing_secret: next } = (await admin(env.suite, ["signing", "rotate", "--org", org.orgId, "--grace-minutes", "10"])) as {
    signing_secret: string;
  };
  const [a, b] = await Promise.all([env.ingress(), env.ingress()]);
  const payload = JSON.stringify(createBody(org.agentId));
  const ts = String(Math.floor(Date.now() / 1000));
  const post = (url: string, signature: string) =>
    send(url, `/v1/hooks/${org.token}`, {
      body: payload,
      headers: { "Content-Type": "application/json", "X-Inbound-Timestamp": ts, "X-Inbound-Signature": signature },
    });
  const first = await post(a.url, `sha256=${signPayload(next, ts, payload)},sha256=${signPayload(old, ts, payload)}`);
  expect(first.status).toBe(201);
  for (const [ingress, signature] of [
    [b, `sha256=${signPayload(old, ts, payload)}`],
    [a, signPayload(next, ts, payload)],
  ] as const) {
    const replay = await post(ingress.url, signature);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("replayed_request");
  }
  expect(await env.suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(1);
});
