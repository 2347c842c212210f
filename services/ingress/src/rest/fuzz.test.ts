import { ERROR_STATUS } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import fc from "fast-check";
import {
  createTestApiKey,
  createTestOrg,
  type HttpResponse,
  send,
  startIngress,
  type TestIngress,
  type TestOrg,
} from "../test-support/harness";
import { expectDocumentedResponse } from "../test-support/openapi";

/** The REST routes fuzzed the way the webhook is (routes/fuzz.test.ts): never a 5xx, always the error shape. */
let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;
let key: string;
let revokedKey: string;
const callIds: string[] = [];
const seenCodes = new Map<string, number>();

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: 100_000, dailyQuota: 1_000_000 });
  key = (await createTestApiKey(suite.db, org.orgId)).key;
  const revoked = await createTestApiKey(suite.db, org.orgId, "revoked");
  await suite.db.prisma.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
  revokedKey = revoked.key;
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

const REST_PATH = /^\/v1\/(calls(\/[^/?]+(\/(events|cancel))?)?|openapi\.json)(\?.*)?$/;

function check(method: string, path: string, res: HttpResponse): void {
  const label = `${res.status} ${res.body?.error?.code ?? ""}`;
  seenCodes.set(label, (seenCodes.get(label) ?? 0) + 1);
  expect(res.status).toBeLessThan(500);
  expect(res.headers["x-request-id"]).toEqual(expect.any(String));
  if (method === "HEAD") return;
  if (res.status >= 400) {
    expect(res.body).toEqual({
      success: false,
      error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
    });
    expect(ERROR_STATUS[res.body.error.code as keyof typeof ERROR_STATUS]).toBe(res.status);
  }
  if (res.status === 201 && typeof res.body?.id === "string") callIds.push(res.body.id);
  if (res.status !== 405 && res.body?.error?.code !== "not_found" && REST_PATH.test(path)) {
    expectDocumentedResponse(method, path, res.status, res.body);
  }
}

const nasty = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("", " ", "\u0000", "__proto__", "constructor", "call_x", "+919876543210", "0", "-1", "1e3", "null"),
);
const scalar = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anything = fc.oneof(scalar, fc.jsonValue({ maxDepth: 3 }), fc.dictionary(nasty, scalar, { maxKeys: 30 }));
const mostly = <T>(valid: fc.Arbitrary<T>, weight = 4) =>
  fc.oneof({ weight, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anything });

const createBodyArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        agent_id: mostly(fc.constant("AGENT"), 8),
        contact_number: mostly(
          fc.oneof(
            fc.constantFrom("+1 (415) 555-2671", "+91 98765 43210", "0044 20 7946 0958", "98765 43210", "+14155552671"),
            fc.stringMatching(/^(\+|00)?[0-9 ().-]{1,20}$/),
          ),
        ),
        contact_name: mostly(nasty),
        contact_email: mostly(fc.emailAddress()),
        additional_info: mostly(fc.dictionary(nasty, scalar, { maxKeys: 30 })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anything },
);

const callId = fc.oneof(
  { weight: 3, arbitrary: fc.constant("CALL") },
  { weight: 1, arbitrary: fc.webSegment() },
  { weight: 1, arbitrary: fc.constantFrom("call_x", "%00", "%E0%A4%A", "..", "%2F", "x".repeat(70), "call_%20") },
);
const materialise = (value: unknown): unknown => {
  if (value === "AGENT") return org.agentId;
  if (value === "CALL") return callIds[callIds.length - 1] ?? "call_none";
  if (Array.isArray(value)) return value.map(materialise);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialise(v)]));
  return value;
};

const queryValue = fc.oneof(
  fc.constantFrom("0", "1", "20", "100", "101", "1000", "-1", "2.5", "abc", "", "queued", "canceled", "2026-11-30T00:00:00Z"),
  fc.constantFrom("2026-13-40T99:99:99Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999+14:00", "%00", "%E0%A4%A"),
  fc.webSegment(),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
);
const queryArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom("status", "agent_id", "created_after", "created_before", "limit", "starting_after"),
        },
        { weight: 1, arbitrary: fc.constantFrom("offset", "page", "a[b]", "__proto__", "", "limit[]") },
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

test("fuzzed create bodies and Idempotency-Keys: never a 5xx, always the error shape, the documented responses", async () => {
  await fc.assert(
    fc.asyncProperty(createBodyArb, fc.option(fc.constantFrom("k1", "k2", "k3"), { freq: 3 }), async (body, idem) => {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (idem !== null) headers["Idempotency-Key"] = idem;
      const res = await ingress.rest("POST", "/v1/calls", key, { body: JSON.stringify(materialise(body)) ?? "", headers });
      check("POST", "/v1/calls", res);
    }),
    { numRuns: 250 },
  );
});

test("fuzzed list queries (unknown filters, limits, cursors, dates): never a 5xx", async () => {
  const cursors = fc.oneof(
    fc.base64String({ maxLength: 60 }).map((s) => s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")),
    fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString("base64url")),
    fc
      .tuple(fc.date({ noInvalidDate: true }), fc.webSegment())
      .map(([d, id]) => Buffer.from(`${d.toISOString()}~${id}`).toString("base64url")),
  );
  await fc.assert(
    fc.asyncProperty(queryArb, fc.option(cursors, { freq: 3 }), async (query, cursor) => {
      const path = `/v1/calls${query}${cursor === null ? "" : `${query ? "&" : "?"}starting_after=${cursor}`}`;
      check("GET", path, await ingress.rest("GET", path, key));
    }),
    { numRuns: 250 },
  );
});

test("fuzzed ids, routes and methods: never a 5xx", async () => {
  const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
  const route = fc.oneof(
    callId.map((id) => `/v1/calls/${id}`),
    callId.map((id) => `/v1/calls/${id}/events`),
    callId.map((id) => `/v1/calls/${id}/cancel`),
    fc.constantFrom("/v1/calls", "/v1/calls/", "/v1/openapi.json", "/v1/calls//cancel", "/v1/calls/x/y/z"),
  );
  const body = fc.option(fc.oneof(fc.constant("{}"), fc.constant("[]"), fc.json(), fc.constant('{"reason":1}')), { freq: 2 });
  await fc.assert(
    fc.asyncProperty(method, route, body, async (m, r, b) => {
      const path = r.replace("CALL", callIds[callIds.length - 1] ?? "call_none");
      const res = await send(ingress.url, path, {
        method: m,
        headers: { Authorization: `Bearer ${key}`, ...(b !== null ? { "Content-Type": "application/json" } : {}) },
        body: b === null || m === "GET" || m === "HEAD" ? undefined : b,
      });
      check(m, path, res);
    }),
    { numRuns: 250 },
  );
});

// Header values HTTP allows: tab, printable ASCII and obs-text.
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9))
    .map((c) => String.fromCharCode(c)),
  maxLength: 200,
});

test("fuzzed Authorization and other headers (missing, not Bearer, unknown, revoked, a webhook token): never a 5xx", async () => {
  const authorization = fc.oneof(
    headerValue,
    fc.constantFrom("Bearer", "Bearer ", "Basic abc", "bearer  x", "Bearer sk_", `Bearer ${"sk_"}${"A".repeat(43)}`),
    fc.constant("VALID"),
    fc.constant("REVOKED"),
    fc.constant("WEBHOOK"),
    headerValue.map((v) => `Bearer ${v}`),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.option(authorization, { freq: 6 }),
      fc.record(
        { "Idempotency-Key": headerValue, "X-Request-Id": headerValue, "Content-Type": headerValue },
        { requiredKeys: [] },
      ),
      fc.constantFrom("GET /v1/calls", "POST /v1/calls", "GET /v1/calls/CALL", "POST /v1/calls/CALL/cancel"),
      async (auth, extra, target) => {
        const [method, route] = target.split(" ") as [string, string];
        const path = route.replace("CALL", callIds[callIds.length - 1] ?? "call_none");
        const headers: Record<string, string> = { ...extra };
        if (auth !== null) {
          headers.Authorization =
            auth === "VALID"
              ? `Bearer ${key}`
              : auth === "REVOKED"
                ? `Bearer ${revokedKey}`
                : auth === "WEBHOOK"
                  ? `Bearer ${org.token}`
                  : auth;
        }
        const body =
          method === "POST" && route === "/v1/calls"
            ? JSON.stringify({ agent_id: org.agentId, contact_number: "+14155552671" })
            : undefined;
        check(method, path, await send(ingress.url, path, { method, headers, body }));
      },
    ),
    { numRuns: 250 },
  );
});

test("the fuzzers reached the use cases, and nothing they sent was logged as an unexpected error", () => {
  if (process.env.FUZZ_REPORT) console.log(Object.fromEntries([...seenCodes].sort()));
  const labels = [...seenCodes.keys()];
  for (const expected of [
    "201 ",
    "200 ",
    "400 invalid_parameter",
    "400 invalid_cursor",
    "401 invalid_api_key",
    "404 call_not_found",
  ]) {
    expect(labels.some((l) => l.startsWith(expected))).toBe(true);
  }
  expect(ingress.logs.filter((line) => line.includes("unexpected error"))).toEqual([]);
});
