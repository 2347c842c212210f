import { ERROR_STATUS } from "@inbound/contracts";
import { enableSigning } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import fc from "fast-check";
import { createTestOrg, type HttpResponse, send, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;
let signed: TestOrg;
/** A call created before the fuzzers run, so "CALL" placeholders name a real call in every test, alone or not. */
let seededCallId: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: 100_000, dailyQuota: 1_000_000 });
  signed = await createTestOrg(suite.db, { credits: 100, dailyQuota: 1_000_000 });
  await enableSigning(suite.db.prisma, new SecretBox(suite.config.SECRETS_KEY), signed.orgId);
  const seeded = await ingress.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: "+919876543210" } });
  expect(seeded.status).toBe(201);
  seededCallId = seeded.body.call_id;
});

beforeEach(() => seenCodes.clear());

afterEach(() => {
  // Nothing a fuzzer sent may surface as an unexpected (500-class) error in the logs.
  expect(ingress.logs.filter((line) => line.includes("unexpected error"))).toEqual([]);
  if (process.env.FUZZ_REPORT) console.log(Object.fromEntries([...seenCodes].sort()));
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

/** The invariant: never a 5xx; errors in the one shape with a known code matching the status; always a request id. */
/** "status code" → count, for the test running now (cleared before each test). */
const seenCodes = new Map<string, number>();
const seen = (prefix: string) => [...seenCodes.keys()].filter((k) => k.startsWith(prefix));

function checkResponse(res: HttpResponse): void {
  const label = `${res.status} ${res.body?.error?.code ?? ""}`;
  seenCodes.set(label, (seenCodes.get(label) ?? 0) + 1);
  expect(res.status).toBeLessThan(500);
  expect(res.headers["x-request-id"]).toEqual(expect.any(String));
  if (res.status >= 400) {
    expect(res.body).toEqual({
      success: false,
      error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
    });
    const code = res.body.error.code as keyof typeof ERROR_STATUS;
    expect(ERROR_STATUS[code]).toBe(res.status);
    if ("field" in res.body.error) expect(typeof res.body.error.field).toBe("string");
  } else if (res.body && typeof res.body === "object" && "success" in res.body) {
    expect(res.body.success).toBe(true);
  }
}

// Strings with everything a hostile sender might put in: unicode, lone surrogates, NULs, control characters.
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "+919876543210",
    "+14155550123",
    "jane@example.com",
    "call_x",
    "",
    " ",
    "__proto__",
    "constructor",
  ),
  fc.string({ maxLength: 2000 }),
);
const scalar = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anything = fc.oneof(scalar, fc.jsonValue({ maxDepth: 3 }), fc.dictionary(nasty, scalar, { maxKeys: 30 }));

/** Usually valid, sometimes anything: so the fuzzer gets past validation into the actions and Postgres. */
const mostly = <T>(valid: fc.Arbitrary<T>, weight = 4) =>
  fc.oneof({ weight, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anything });
const phone = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("+919876543210", "+14155550123", "+447911123456", "+5511987654321") },
  { weight: 1, arbitrary: fc.stringMatching(/^\+[0-9]{1,16}$/) },
);
const createData = fc
  .record(
    {
      agent_id: mostly(fc.constant("AGENT"), 8),
      contact_number: mostly(phone),
      contact_name: mostly(nasty),
      contact_email: mostly(fc.emailAddress()),
      additional_info: mostly(
        fc.oneof(fc.dictionary(nasty, scalar, { maxKeys: 8 }), fc.dictionary(nasty, scalar, { maxKeys: 30 })),
      ),
      extra: anything,
    },
    { requiredKeys: ["agent_id", "contact_number"] },
  )
  .map(({ extra, ...data }) => (Math.abs(JSON.stringify(data).length % 7) === 0 ? { ...data, extra } : data));
const refData = fc.record({ call_id: mostly(fc.constant("CALL"), 6) });
const bodyArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ action: fc.constant("call.create"), data: createData }) },
  { weight: 2, arbitrary: fc.record({ action: fc.constantFrom("call.cancel", "call.delete"), data: refData }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { action: mostly(fc.constantFrom("call.create", "call.cancel", "call.delete"), 1), data: anything },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anything },
);

function materialise(value: unknown): unknown {
  // Placeholders become real ids, so the fuzzer reaches the actions themselves.
  if (value === "AGENT") return org.agentId;
  if (value === "CALL") return seededCallId;
  if (Array.isArray(value)) return value.map(materialise);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialise(v)]));
  return value;
}

test("fuzzed JSON bodies: never a 5xx, always the error shape", async () => {
  await fc.assert(
    fc.asyncProperty(bodyArb, fc.option(fc.oneof(fc.constantFrom("k1", "k2"), fc.uuid()), { freq: 2 }), async (body, key) => {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (key !== null) headers["Idempotency-Key"] = key;
      checkResponse(
        await send(ingress.url, `/v1/hooks/${org.token}`, { body: JSON.stringify(materialise(body)) ?? "", headers }),
      );
    }),
    { numRuns: 300 },
  );
  // It reached the actions: calls were created, and actions ran against a real call.
  expect(seen("201").length).toBeGreaterThan(0);
  expect([...seen("200"), ...seen("409 call_not"), ...seen("404 call_not_found")].length).toBeGreaterThan(0);
});

test("valid-shaped creates with hostile strings are stored or refused as 400, never a 5xx", async () => {
  const text = (max: number) => fc.string({ unit: "binary", minLength: 1, maxLength: max });
  const createArb = fc.record(
    {
      contact_name: text(200),
      contact_email: fc.emailAddress(),
      additional_info: fc.dictionary(text(64), fc.oneof(text(1000), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)), {
        maxKeys: 25,
      }),
    },
    { requiredKeys: [] },
  );
  let created = 0;
  await fc.assert(
    fc.asyncProperty(createArb, async (data) => {
      const body = JSON.stringify({
        action: "call.create",
        data: { agent_id: org.agentId, contact_number: "+919876543210", ...data },
      });
      const res = await send(ingress.url, `/v1/hooks/${org.token}`, { body, headers: { "Content-Type": "application/json" } });
      checkResponse(res);
      if (res.status === 201) created += 1;
    }),
    { numRuns: 100 },
  );
  expect(created).toBeGreaterThan(50);
});

test("fuzzed raw bytes: never a 5xx, always the error shape", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
      checkResponse(
        await send(ingress.url, `/v1/hooks/${org.token}`, {
          body: Buffer.from(bytes),
          headers: { "Content-Type": "application/json" },
        }),
      );
    }),
    { numRuns: 100 },
  );
});

// Header values HTTP allows: tab, printable ASCII and obs-text.
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9))
    .map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

test("fuzzed headers (content type, encoding, request id, idempotency key, signature): never a 5xx", async () => {
  const headersArb = fc.record(
    {
      "Content-Type": fc.oneof(
        { weight: 1, arbitrary: headerValue },
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "application/json; charset=",
          ),
        },
      ),
      "Content-Encoding": fc.oneof(headerValue, fc.constantFrom("gzip", "identity", "br")),
      "X-Request-Id": headerValue,
      "Idempotency-Key": headerValue,
      "X-Inbound-Timestamp": fc.oneof(headerValue, fc.integer().map(String), fc.constant(String(Math.floor(Date.now() / 1000)))),
      "X-Inbound-Signature": fc.oneof(
        headerValue,
        fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }).map((h) => `sha256=${h}`),
      ),
    },
    { requiredKeys: ["Content-Type"] },
  );
  await fc.assert(
    fc.asyncProperty(headersArb, fc.boolean(), async (headers, useSigned) => {
      const target = useSigned ? signed : org;
      const body = JSON.stringify({ action: "call.create", data: { agent_id: target.agentId, contact_number: "+919876543210" } });
      checkResponse(await send(ingress.url, `/v1/hooks/${target.token}`, { body, headers: headers as Record<string, string> }));
    }),
    { numRuns: 200 },
  );
});

test("fuzzed paths and methods: never a 5xx, always the error shape", async () => {
  const segment = fc.oneof(
    fc.webSegment(),
    fc.string({ unit: fc.constantFrom("%", "2", "F", "E", "0", "A", "/", ".", "a", "~", "_", "-", "?", "#"), maxLength: 20 }),
    fc.constant(org.token),
    fc.constantFrom("v1", "hooks", "..", "%00", "%E0%A4%A", "healthz", "metrics", "readyz"),
  );
  const pathArb = fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join("/")}`);
  const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        pathArb,
        pathArb.map((p) => `/v1/hooks${p}`),
      ),
      method,
      async (path, m) => {
        const res = await send(ingress.url, path, {
          method: m,
          body: m === "GET" || m === "HEAD" ? undefined : { action: "call.cancel", data: { call_id: "call_x" } },
        });
        expect(res.status).toBeLessThan(500);
        expect(res.headers["x-request-id"]).toEqual(expect.any(String));
        if (res.status >= 400 && m !== "HEAD") checkResponse(res);
      },
    ),
    { numRuns: 200 },
  );
});
