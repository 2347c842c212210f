import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createTestApiKey, createTestOrg, send, startIngress, type TestIngress } from "../test-support/harness";
import { expectDocumentedResponse } from "../test-support/openapi";

/** /v1/webhook-endpoints (SPEC §6) through real HTTP, on the use cases the admin CLI and the dashboard share. */
let suite: SuiteEnv;
let ingress: TestIngress;
let strict: TestIngress;

beforeAll(async () => {
  suite = await createSuiteEnv();
  [ingress, strict] = await Promise.all([
    startIngress(suite, { config: { WEBHOOK_ALLOW_INSECURE: "true" } }),
    startIngress(suite, { config: { WEBHOOK_ALLOW_INSECURE: "false" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([ingress?.close(), strict?.close()]);
  await suite?.close();
});

/** A request with the API key; every answer must be one the OpenAPI document describes (status and body). */
async function call(key: string, method: string, path: string, body?: unknown, on = ingress) {
  const res = await send(on.url, path, { method, body, headers: { Authorization: `Bearer ${key}` } });
  expectDocumentedResponse(method, path, res.status, res.body);
  return res;
}

test("create (secret shown once), list, read, update, test event in the log, rotate, disable; 404 for another organisation", async () => {
  const org = await createTestOrg(suite.db);
  const { key } = await createTestApiKey(suite.db, org.orgId);
  const created = await call(key, "POST", "/v1/webhook-endpoints", {
    url: "http://127.0.0.1:9/hooks",
    event_types: ["call.completed", "call.failed"],
    description: "CRM",
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ url: "http://127.0.0.1:9/hooks", secret: expect.stringMatching(/^whsec_/) });
  const id = created.body.id as string;

  const listed = await call(key, "GET", "/v1/webhook-endpoints");
  expect(listed.status).toBe(200);
  expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([id]);
  expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
  expect((await call(key, "GET", `/v1/webhook-endpoints/${id}`)).body).toMatchObject({ id, url: "http://127.0.0.1:9/hooks" });

  const patched = await call(key, "PATCH", `/v1/webhook-endpoints/${id}`, { event_types: ["call.completed"] });
  expect(patched.status).toBe(200);
  expect(JSON.stringify(patched.body)).toContain("call.completed");
  expect(JSON.stringify(patched.body)).not.toContain("call.failed");

  const tested = await call(key, "POST", `/v1/webhook-endpoints/${id}/test`);
  expect(tested.status).toBe(202);
  const log = await call(key, "GET", `/v1/webhook-endpoints/${id}/attempts`);
  expect(log.status).toBe(200);
  expect(JSON.stringify(log.body.messages)).toContain(tested.body.message_id);

  const rotated = await call(key, "POST", `/v1/webhook-endpoints/${id}/rotate-secret`, { grace_minutes: 10 });
  expect(rotated.status).toBe(200);
  expect(rotated.body).toMatchObject({ endpoint_id: id, secret: expect.stringMatching(/^whsec_/), previous_valid_until: expect.any(String) });
  expect(rotated.body.secret).not.toBe(created.body.secret);

  const disabled = await call(key, "POST", `/v1/webhook-endpoints/${id}/disable`);
  expect(disabled.status).toBe(200);
  expect(disabled.body).toMatchObject({ id, enabled: false });

  // Another organisation's key: the endpoint answers exactly like a missing one.
  const other = await createTestOrg(suite.db);
  const { key: otherKey } = await createTestApiKey(suite.db, other.orgId);
  for (const [method, path] of [
    ["GET", `/v1/webhook-endpoints/${id}`],
    ["PATCH", `/v1/webhook-endpoints/${id}`],
    ["POST", `/v1/webhook-endpoints/${id}/test`],
    ["POST", `/v1/webhook-endpoints/${id}/disable`],
    ["GET", `/v1/webhook-endpoints/${id}/attempts`],
    ["GET", "/v1/webhook-endpoints/we_doesnotexist"],
  ] as const) {
    const res = await call(otherKey, method, path, method === "PATCH" ? { description: "x" } : undefined);
    expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 404, code: "endpoint_not_found" });
  }
  expect((await call(otherKey, "GET", "/v1/webhook-endpoints")).body.data).toEqual([]);
  expect((await call(key, "GET", `/v1/webhook-endpoints/${id}`)).body).toMatchObject({ enabled: false });
});

test("bad input: 400 with the field named; private and plain-http targets refused outside development; 401 without a key", async () => {
  const org = await createTestOrg(suite.db);
  const { key } = await createTestApiKey(suite.db, org.orgId);
  const cases: [unknown, string, string][] = [
    [{}, "missing_field", "url"],
    [{ url: 42 }, "invalid_type", "url"],
    [{ url: "https://example.com/h", color: "red" }, "unknown_field", "color"],
    [{ url: "https://example.com/h", event_types: ["call.exploded"] }, "invalid_event_type", "event_types"],
    [{ url: "not a url" }, "invalid_url", "url"],
  ];
  for (const [body, code, field] of cases) {
    const res = await call(key, "POST", "/v1/webhook-endpoints", body);
    expect({ status: res.status, code: res.body.error.code, field: res.body.error.field }).toEqual({ status: 400, code, field });
  }
  for (const url of ["http://example.com/h", "https://127.0.0.1/h", "https://10.0.0.5/h", "https://169.254.169.254/latest"]) {
    const res = await call(key, "POST", "/v1/webhook-endpoints", { url }, strict);
    expect({ url, status: res.status, code: res.body.error.code }).toEqual({ url, status: 400, code: "invalid_url" });
  }
  const anonymous = await send(ingress.url, "/v1/webhook-endpoints", { method: "GET" });
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.error.code).toBe("invalid_api_key");
  const badSince = await call(key, "GET", "/v1/webhook-endpoints/we_x/attempts?since=yesterday");
  expect({ status: badSince.status, code: badSince.body.error.code, field: badSince.body.error.field }).toEqual({
    status: 400,
    code: "invalid_parameter",
    field: "since",
  });
});

test("resend one message and recover failed ones since a time; another organisation's message is 404", async () => {
  const org = await createTestOrg(suite.db);
  const { key } = await createTestApiKey(suite.db, org.orgId);
  const id = (await call(key, "POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" })).body.id as string;
  const tested = await call(key, "POST", `/v1/webhook-endpoints/${id}/test`, {});
  expect(tested.status).toBe(202);
  const messageId = tested.body.message_id as string;
  await suite.db.pool.query("UPDATE webhook_messages SET status = 'failed' WHERE id = $1", [messageId]);

  const recovered = await call(key, "POST", `/v1/webhook-endpoints/${id}/recover`, { since: "2020-01-01T00:00:00Z" });
  expect({ status: recovered.status, body: recovered.body }).toEqual({ status: 200, body: { endpoint_id: id, recovered: 1 } });
  const badSince = await call(key, "POST", `/v1/webhook-endpoints/${id}/recover`, { since: "last week" });
  expect({ status: badSince.status, code: badSince.body.error.code }).toEqual({ status: 400, code: "invalid_parameter" });
  const resent = await call(key, "POST", `/v1/webhook-messages/${messageId}/resend`);
  expect({ status: resent.status, body: resent.body }).toEqual({ status: 202, body: { message_id: messageId, status: "pending" } });
  const log = await call(key, "GET", `/v1/webhook-endpoints/${id}/attempts?status=pending&limit=5`);
  expect(log.body.messages.map((m: { id: string }) => m.id)).toEqual([messageId]);

  const other = await createTestOrg(suite.db);
  const { key: otherKey } = await createTestApiKey(suite.db, other.orgId);
  const foreign = await call(otherKey, "POST", `/v1/webhook-messages/${messageId}/resend`);
  expect({ status: foreign.status, code: foreign.body.error.code }).toEqual({ status: 404, code: "message_not_found" });
  const foreignRecover = await call(otherKey, "POST", `/v1/webhook-endpoints/${id}/recover`, { since: "2020-01-01T00:00:00Z" });
  expect({ status: foreignRecover.status, code: foreignRecover.body.error.code }).toEqual({ status: 404, code: "endpoint_not_found" });
});
