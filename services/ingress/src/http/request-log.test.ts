import { enableSigning } from "@inbound/db";
import { readRequestLog, requestLogKey } from "@inbound/queue";
import { SecretBox, signPayload } from "@inbound/security";
import { createSuiteEnv, eventually, type SuiteEnv } from "@inbound/testing";
import { createBody, createTestApiKey, createTestOrg, send, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

let suite: SuiteEnv;
let ingress: TestIngress;
let plain: TestOrg;
let signed: TestOrg;
let secret: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  plain = await createTestOrg(suite.db);
  signed = await createTestOrg(suite.db);
  secret = (await enableSigning(suite.db.prisma, new SecretBox(suite.config.SECRETS_KEY), signed.orgId)).signing_secret;
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

test("each webhook request of an organisation is recorded with its metadata only, in its own organisation's log", async () => {
  const body = createBody(plain.agentId);
  const created = await send(ingress.url, `/v1/hooks/${plain.token}`, { body, headers: { "X-Request-Id": "req-plain-1" } });
  expect(created.status).toBe(201);

  const entries = await eventually(async () => {
    const log = await readRequestLog(suite.redis, suite.prefix, plain.orgId);
    expect(log).toHaveLength(1);
    return log;
  });
  expect(entries[0]).toEqual({
    at: expect.any(Number),
    transport: "webhook",
    action: "call.create",
    status: 201,
    code: undefined,
    latencyMs: expect.any(Number),
    requestId: "req-plain-1",
    signatureVerified: undefined,
  });
  // Never the token, the number or the body: only the fields above are stored.
  const raw = JSON.stringify(await suite.redis.xrange(requestLogKey(suite.prefix, plain.orgId), "-", "+"));
  expect(raw).not.toContain(plain.token);
  expect(raw).not.toContain(String((body.data as { contact_number: string }).contact_number));
  expect(await readRequestLog(suite.redis, suite.prefix, signed.orgId)).toEqual([]);
});

test("a request refused for its signature is in its organisation's log as 401 with the code and 'not verified'; a signed one as verified", async () => {
  const body = JSON.stringify(createBody(signed.agentId));
  const refused = await send(ingress.url, `/v1/hooks/${signed.token}`, { body, headers: { "Content-Type": "application/json" } });
  expect(refused.status).toBe(401);
  const timestamp = Math.floor(Date.now() / 1000);
  const accepted = await send(ingress.url, `/v1/hooks/${signed.token}`, {
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Inbound-Timestamp": String(timestamp),
      "X-Inbound-Signature": signPayload(secret, timestamp, body),
    },
  });
  expect(accepted.status).toBe(201);

  const log = await eventually(async () => {
    const entries = await readRequestLog(suite.redis, suite.prefix, signed.orgId);
    expect(entries).toHaveLength(2);
    return entries;
  });
  expect(log[0]).toMatchObject({ status: 201, action: "call.create", signatureVerified: true });
  expect(log[1]).toMatchObject({ status: 401, code: "missing_signature", signatureVerified: false });
  const raw = JSON.stringify(await suite.redis.xrange(requestLogKey(suite.prefix, signed.orgId), "-", "+"));
  expect(raw).not.toContain(secret);
  expect(raw).not.toContain(signed.token);
});

test("REST requests are recorded too, as transport rest, with the action and status (an unauthenticated one is not)", async () => {
  const org = await createTestOrg(suite.db);
  const { key } = await createTestApiKey(suite.db, org.orgId);
  const listed = await send(ingress.url, "/v1/calls", { method: "GET", headers: { Authorization: `Bearer ${key}`, "X-Request-Id": "req-rest-1" } });
  expect(listed.status).toBe(200);
  const missing = await send(ingress.url, "/v1/calls/call_doesnotexist", { method: "GET", headers: { Authorization: `Bearer ${key}` } });
  expect(missing.status).toBe(404);
  expect((await send(ingress.url, "/v1/calls", { method: "GET" })).status).toBe(401);
  const entries = await eventually(async () => {
    const log = await readRequestLog(suite.redis, suite.prefix, org.orgId);
    expect(log).toHaveLength(2);
    return log;
  });
  expect(entries.map((e) => [e.transport, e.action, e.status]).sort()).toEqual([
    ["rest", "call.list", 200],
    ["rest", "call.read", 404],
  ]);
  expect(JSON.stringify(entries)).not.toContain(key);
});
