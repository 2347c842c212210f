import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createBody, createTestOrg, send, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: 100 });
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

const path = () => `/v1/hooks/${org.token}`;
const raw = (body: string | Buffer, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
  send(ingress.url, path(), { body, headers });

function expectError(res: { status: number; body: unknown }, status: number, code: string, field?: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    success: false,
    error: { code, message: expect.any(String), ...(field ? { field } : {}) },
  });
}

describe("415 and 413", () => {
  test("a body that is not application/json → 415 unsupported_media_type", async () => {
    const body = JSON.stringify(createBody(org.agentId));
    for (const contentType of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
      "application/jsonx",
    ]) {
      expectError(await raw(body, { "Content-Type": contentType }), 415, "unsupported_media_type");
    }
    expectError(await raw(body, {}), 415, "unsupported_media_type");
    expectError(
      await raw(body, { "Content-Type": "application/json", "Content-Encoding": "gzip" }),
      415,
      "unsupported_media_type",
    );
    expect((await raw(body, { "Content-Type": "Application/JSON; charset=UTF-8" })).status).toBe(201);
  });

  test("a body over BODY_LIMIT_BYTES (32 KiB) → 413 body_too_large; one just under passes", async () => {
    const limit = suite.config.BODY_LIMIT_BYTES;
    expect(limit).toBe(32 * 1024);
    const big = JSON.stringify(createBody(org.agentId, { contact_name: "x".repeat(limit) }));
    const res = await raw(big);
    expectError(res, 413, "body_too_large");
    expect(res.body.error.message).toContain(String(limit));
    // Just under the limit: read and validated (the name is too long, but that is a 400, not a 413).
    const padded = `${JSON.stringify(createBody(org.agentId))}${" ".repeat(limit - 200)}`;
    expect(Buffer.byteLength(padded)).toBeLessThan(limit);
    expect((await raw(padded)).status).toBe(201);
  });
});

describe("400: the body", () => {
  test("malformed JSON, not UTF-8, or empty → 400 malformed_json (the message never quotes the body)", async () => {
    for (const body of [
      '{"action": "call.create", "data": {',
      "not json +919876543210",
      "",
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    ]) {
      const res = await raw(body);
      expectError(res, 400, "malformed_json");
      expect(res.text).not.toContain("919876543210");
    }
  });

  test("not an object → 400 invalid_body", async () => {
    for (const body of ["[]", "42", '"call.create"', "null"]) expectError(await raw(body), 400, "invalid_body");
  });

  test("unknown action → 400 unknown_action naming the field", async () => {
    const res = await ingress.hook(org.token, { action: "call.explode", data: {} });
    expectError(res, 400, "unknown_action", "action");
    expect(res.body.error.message).toBe("action must be one of: call.create, call.cancel, call.delete.");
  });

  test("missing, unknown and mistyped fields name the field", async () => {
    expectError(await ingress.hook(org.token, { data: {} }), 400, "missing_field", "action");
    expectError(await ingress.hook(org.token, { action: "call.create" }), 400, "missing_field", "data");
    expectError(
      await ingress.hook(org.token, { action: "call.create", data: { agent_id: org.agentId } }),
      400,
      "missing_field",
      "data.contact_number",
    );
    expectError(await ingress.hook(org.token, { action: "call.cancel", data: {} }), 400, "missing_field", "data.call_id");
    expectError(
      await ingress.hook(org.token, { action: "call.delete", data: { call_id: 7 } }),
      400,
      "invalid_type",
      "data.call_id",
    );
    expectError(await ingress.hook(org.token, createBody(org.agentId, { colour: "red" })), 400, "unknown_field", "data.colour");
    expectError(await ingress.hook(org.token, { ...createBody(org.agentId), extra: 1 }), 400, "unknown_field", "extra");
    expectError(
      await ingress.hook(org.token, createBody(org.agentId, { contact_name: 42 })),
      400,
      "invalid_type",
      "data.contact_name",
    );
    expectError(await ingress.hook(org.token, { action: "call.create", data: "x" }), 400, "invalid_type", "data");
  });

  test("invalid phone numbers → 400 invalid_contact_number with the example", async () => {
    for (const number of [
      "+1",
      "+999999999999",
      "+919876",
      "0091987654321",
      "+1 800 FLOWERS",
      "+1 415 555 2671 ext 3",
      "+91+9876543210",
    ]) {
      const res = await ingress.hook(org.token, createBody(org.agentId, { contact_number: number }));
      expectError(res, 400, "invalid_contact_number", "data.contact_number");
      expect(res.body.error.message).toBe(
        "contact_number must be a valid phone number including the country code, e.g. +919876543210",
      );
    }
  });

  test("a number without its country code → 400 invalid_contact_number saying the country code is missing", async () => {
    for (const number of ["9876543210", "(415) 555-2671", "098765 43210"]) {
      const res = await ingress.hook(org.token, createBody(org.agentId, { contact_number: number }));
      expectError(res, 400, "invalid_contact_number", "data.contact_number");
      expect(res.body.error.message).toMatch(/^contact_number is missing its country code: start it with \+ or 00/);
    }
  });

  test("numbers as CRMs export them are accepted and stored normalized to E.164", async () => {
    const cases: [string, string][] = [
      ["+1 (415) 555-2671", "+14155552671"],
      ["+91 98765 43210", "+919876543210"],
      ["0091 98765-43210", "+919876543210"],
      ["+44 (0)20 7946 0958", "+442079460958"],
      [" +1.415.555.2671 ", "+14155552671"],
    ];
    for (const [sent, stored] of cases) {
      const res = await ingress.hook(org.token, createBody(org.agentId, { contact_number: sent }));
      expect(res.status).toBe(201);
      const call = await suite.db.prisma.call.findUnique({ where: { id: res.body.call_id } });
      expect(call?.contactNumber).toBe(stored);
    }
  });

  test("invalid email → 400 invalid_contact_email", async () => {
    const res = await ingress.hook(org.token, createBody(org.agentId, { contact_email: "not-an-email" }));
    expectError(res, 400, "invalid_contact_email", "data.contact_email");
  });

  test("additional_info: more than 25 keys, nested values, or over-long keys/values → 400", async () => {
    const many = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, i]));
    expectError(
      await ingress.hook(org.token, createBody(org.agentId, { additional_info: many })),
      400,
      "too_many_additional_info_keys",
      "data.additional_info",
    );
    const ok = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]));
    expect((await ingress.hook(org.token, createBody(org.agentId, { additional_info: ok }))).status).toBe(201);
    expectError(
      await ingress.hook(org.token, createBody(org.agentId, { additional_info: { a: { b: 1 } } })),
      400,
      "invalid_type",
      "data.additional_info.a",
    );
    expectError(
      await ingress.hook(org.token, createBody(org.agentId, { additional_info: { a: "v".repeat(1001) } })),
      400,
      "invalid_field",
      "data.additional_info.a",
    );
    expectError(
      await ingress.hook(org.token, createBody(org.agentId, { additional_info: { ["k".repeat(65)]: 1 } })),
      400,
      "invalid_field",
      "data.additional_info",
    );
  });

  test("characters Postgres cannot store (NUL, unpaired surrogates) → 400 invalid_field, never 500", async () => {
    const cases: [string, string][] = [
      [
        `{"action":"call.create","data":{"agent_id":"${org.agentId}","contact_number":"+919876543210","contact_name":"a\\u0000b"}}`,
        "data.contact_name",
      ],
      [
        `{"action":"call.create","data":{"agent_id":"${org.agentId}","contact_number":"+919876543210","additional_info":{"x":"\\ud800"}}}`,
        "data.additional_info.x",
      ],
      [
        `{"action":"call.create","data":{"agent_id":"${org.agentId}","contact_number":"+919876543210","additional_info":{"\\udc00":1}}}`,
        "data.additional_info",
      ],
      [`{"action":"call.cancel","data":{"call_id":"call_\\u0000"}}`, "data.call_id"],
    ];
    for (const [body, field] of cases) expectError(await raw(body), 400, "invalid_field", field);
  });
});

describe("routes, methods and request ids", () => {
  test("unknown routes → 404 not_found; other methods on the webhook → 405 with Allow", async () => {
    for (const p of ["/", "/v1/hooks", "/v1/hooks/", `/v1/hooks/${org.token}/extra`, "/v2/hooks/x", "/v1/hooks/%E0%A4%A"]) {
      const res = await send(ingress.url, p, { body: createBody(org.agentId) });
      expectError(res, 404, "not_found");
    }
    for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const res = await send(ingress.url, path(), { method });
      expectError(res, 405, "method_not_allowed");
      expect(res.headers.allow).toBe("POST");
    }
  });

  test("X-Request-Id: a sane one is echoed, a missing or odd one is replaced, on every response", async () => {
    const echoed = await ingress.hook(org.token, createBody(org.agentId), { "X-Request-Id": "zap-run_42:abc.1" });
    expect(echoed.headers["x-request-id"]).toBe("zap-run_42:abc.1");
    const generated = await ingress.hook(org.token, { nope: 1 });
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await ingress.hook(org.token, createBody(org.agentId), { "X-Request-Id": "<script>alert(1)</script>" });
    expect(odd.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    for (const res of [
      await send(ingress.url, "/nowhere", { method: "GET" }),
      await send(ingress.url, "/healthz", { method: "GET" }),
      await raw("x", { "Content-Type": "text/plain" }),
      await ingress.hook("whk_unknown_token_1234567890", createBody(org.agentId)),
    ]) {
      expect(res.headers["x-request-id"]).toEqual(expect.any(String));
    }
    const call = await suite.db.prisma.call.findUnique({ where: { id: echoed.body.call_id } });
    expect(call?.requestId).toBe("zap-run_42:abc.1");
  });
});
