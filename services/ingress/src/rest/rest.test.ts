import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildOpenApiDocument, createCallSchema, toOpenApiSchema } from "@inbound/contracts";
import { createDatabase } from "@inbound/db";
import { createQueues, createRedis } from "@inbound/queue";
import { createSuiteEnv, eventually, REPO_ROOT, type SuiteEnv } from "@inbound/testing";
import { advanceCall } from "../test-support/calls";
import {
  admin,
  createBody,
  createTestApiKey,
  createTestOrg,
  phoneNumber,
  send,
  startIngress,
  type TestIngress,
  type TestOrg,
} from "../test-support/harness";
import { checkedResponses } from "../test-support/openapi";

const run = promisify(execFile);

let suite: SuiteEnv;
let a: TestIngress;
let b: TestIngress;
let org: TestOrg;
let key: string;

beforeAll(async () => {
  suite = await createSuiteEnv();
  [a, b] = await Promise.all([startIngress(suite), startIngress(suite)]);
  org = await createTestOrg(suite.db, { credits: 1000 });
  key = (await createTestApiKey(suite.db, org.orgId)).key;
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await suite?.close();
});

const createData = (data: Record<string, unknown> = {}) => ({
  agent_id: org.agentId,
  contact_number: phoneNumber(),
  ...data,
});

async function createCall(data: Record<string, unknown> = {}, apiKey = key, replica = a) {
  const res = await replica.rest("POST", "/v1/calls", apiKey, { body: createData(data) });
  expect(res.status).toBe(201);
  return res.body as Record<string, unknown> & { id: string };
}

function expectError(res: { status: number; body: unknown }, status: number, code: string, field?: string) {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { success: false, error: expect.objectContaining({ code, message: expect.any(String), ...(field ? { field } : {}) }) },
  });
}

async function apiKeyCacheStored(replica: TestIngress): Promise<number> {
  const text = (await send(replica.internalUrl, "/metrics", { method: "GET" })).text;
  return Number(text.match(/^ingress_api_key_cache_total\{result="stored"\} (\d+)$/m)?.[1] ?? 0);
}

describe("authentication", () => {
  test("401 invalid_api_key, with WWW-Authenticate and no quota counted, for a missing, non-Bearer, malformed, unknown or revoked key, or a webhook token", async () => {
    const revoked = await createTestApiKey(suite.db, org.orgId, "revoked");
    await suite.db.prisma.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const unknown = `sk_${"A".repeat(43)}`;
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /^Send the API key in the header Authorization: Bearer sk_…/],
      [{ Authorization: `Basic ${Buffer.from("user:pass").toString("base64")}` }, /must be: Bearer sk_…/],
      [{ Authorization: "Bearer" }, /must be: Bearer sk_…/],
      [{ Authorization: `Bearer ${key} ${key}` }, /must be: Bearer sk_…/],
      [{ Authorization: "Bearer sk_short" }, /^The API key is unknown or was revoked\.$/],
      [{ Authorization: `Bearer ${unknown}` }, /^The API key is unknown or was revoked\.$/],
      [{ Authorization: `Bearer ${revoked.key}` }, /^The API key is unknown or was revoked\.$/],
      [{ Authorization: `Bearer ${org.token}` }, /^This is a webhook token, not an API key/],
    ];
    for (const [headers, message] of cases) {
      for (const [method, route] of [
        ["GET", "/v1/calls"],
        ["POST", "/v1/calls"],
        ["GET", "/v1/calls/call_x"],
      ] as const) {
        const res = await a.rest(method, route, null, { headers, body: method === "POST" ? createData() : undefined });
        expectError(res, 401, "invalid_api_key", "Authorization");
        expect(res.body.error.message).toMatch(message);
        expect(res.headers["www-authenticate"]).toBe("Bearer");
        expect(res.headers.ratelimit).toBeUndefined();
      }
    }
    // The scheme is case-insensitive.
    expect((await a.rest("GET", "/v1/calls", null, { headers: { Authorization: `bearer ${key}` } })).status).toBe(200);
    // An API key is not a webhook token either.
    expect((await a.hook(key, createBody(org.agentId))).status).toBe(401);
  });

  test("revocation (pnpm admin apikey revoke) fails the key on the very next request on every replica; the org's other keys go on working", async () => {
    const other = await createTestOrg(suite.db, { credits: 10 });
    const doomed = await createTestApiKey(suite.db, other.orgId, "doomed");
    const spare = await createTestApiKey(suite.db, other.orgId, "spare");
    for (const replica of [a, b]) {
      const before = await apiKeyCacheStored(replica);
      expect((await replica.rest("GET", "/v1/calls", doomed.key)).status).toBe(200);
      await eventually(async () => (await apiKeyCacheStored(replica)) > before);
      expect((await replica.rest("GET", "/v1/calls", spare.key)).status).toBe(200);
    }
    const revoked = await admin(suite, ["apikey", "revoke", "--key", doomed.id]);
    expect(revoked).toMatchObject({ api_key_id: doomed.id, org_id: other.orgId });
    for (const replica of [a, b]) {
      expectError(await replica.rest("GET", "/v1/calls", doomed.key), 401, "invalid_api_key", "Authorization");
      expect((await replica.rest("GET", "/v1/calls", spare.key)).status).toBe(200);
    }
  });

  test("a key created with pnpm admin apikey create works at once; last_used_at is kept, but not written on every request", async () => {
    const other = await createTestOrg(suite.db, { credits: 10 });
    const created = (await admin(suite, ["apikey", "create", "--org", other.orgId, "--name", "cli"])) as {
      api_key_id: string;
      api_key: string;
    };
    expect((await a.rest("GET", "/v1/calls", created.api_key)).status).toBe(200);
    const first = await eventually(
      async () => (await suite.db.prisma.apiKey.findUnique({ where: { id: created.api_key_id } }))?.lastUsedAt,
    );
    for (let i = 0; i < 5; i++) expect((await a.rest("GET", "/v1/calls", created.api_key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await suite.db.prisma.apiKey.findUnique({ where: { id: created.api_key_id } });
    expect(after?.lastUsedAt?.getTime()).toBe(first?.getTime());
  });

  test("REST requests count against the organisation's daily quota with the webhook's: RateLimit fields, then 429 with Retry-After", async () => {
    const small = await createTestOrg(suite.db, { credits: 10, dailyQuota: 3 });
    const smallKey = (await createTestApiKey(suite.db, small.orgId)).key;
    const first = await a.rest("GET", "/v1/calls", smallKey);
    expect(first.status).toBe(200);
    expect(first.headers["ratelimit-policy"]).toBe('"daily";q=3;w=86400');
    expect(first.headers.ratelimit).toMatch(/^"daily";r=2;t=\d+$/);
    expect((await a.hook(small.token, createBody(small.agentId))).headers.ratelimit).toMatch(/^"daily";r=1;/);
    expect(
      (await a.rest("POST", "/v1/calls", smallKey, { body: { agent_id: small.agentId, contact_number: phoneNumber() } })).status,
    ).toBe(201);
    const over = await a.rest("POST", "/v1/calls", smallKey, {
      body: { agent_id: small.agentId, contact_number: phoneNumber() },
    });
    expectError(over, 429, "daily_quota_exceeded");
    expect(over.headers["retry-after"]).toMatch(/^\d+$/);
    // One by the webhook, one by REST; the refused one created nothing.
    expect(await suite.db.prisma.call.count({ where: { orgId: small.orgId } })).toBe(2);
  });
});

describe("POST /v1/calls", () => {
  test("201: the call object, normalized number, the stored call's own timestamps; GET answers the same", async () => {
    const res = await a.rest("POST", "/v1/calls", key, {
      body: {
        agent_id: org.agentId,
        contact_number: "+1 (415) 555-2671",
        contact_name: "Asha Rao",
        contact_email: "asha@example.com",
        additional_info: { crm_id: "A-1", score: 7, vip: true, note: null },
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.ratelimit).toMatch(/^"daily";r=\d+;t=\d+$/);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^call_/),
      status: "queued",
      agent_id: org.agentId,
      contact_number: "+14155552671",
      contact_name: "Asha Rao",
      contact_email: "asha@example.com",
      additional_info: { crm_id: "A-1", score: 7, vip: true, note: null },
      attempts: 0,
      end_reason: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      queued_at: res.body.created_at,
      dialing_at: null,
      ringing_at: null,
      answered_at: null,
      ended_at: null,
      duration_seconds: null,
      engagement: null,
      // The call order (SPEC §9): this organisation's guard is off (test fixture), so no calling hours apply.
      schedule: { not_before: null, not_after: null, due_at: null, calling_hours: null, time_zones: ["America/Los_Angeles"] },
      retry: null,
      dial_attempts: [],
      window_decisions: [
        { at: expect.stringMatching(/Z$/), attempt: 1, decision: "dial_now", reason: null, until: null },
      ],
    });
    const read = await b.rest("GET", `/v1/calls/${res.body.id}`, key);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
    expect(await a.queues.calls.getJob(res.body.id)).toBeDefined();
  });

  test("400s name the body's own fields (no data. prefix), with the webhook's codes and messages", async () => {
    const cases: [unknown, string, string][] = [
      [{ contact_number: "+919876543210" }, "missing_field", "agent_id"],
      [{ agent_id: org.agentId }, "missing_field", "contact_number"],
      [createData({ contact_number: "98765 43210" }), "invalid_contact_number", "contact_number"],
      [createData({ contact_email: "nope" }), "invalid_contact_email", "contact_email"],
      [createData({ colour: "red" }), "unknown_field", "colour"],
      [createData({ contact_name: 7 }), "invalid_type", "contact_name"],
      [createData({ additional_info: { a: { b: 1 } } }), "invalid_type", "additional_info.a"],
      [createData({ agent_id: "agt_unknown" }), "agent_not_found", "agent_id"],
      [createData({ contact_name: "a\u0000b" }), "invalid_field", "contact_name"],
    ];
    for (const [body, code, field] of cases) expectError(await a.rest("POST", "/v1/calls", key, { body }), 400, code, field);
    expect(
      (await a.rest("POST", "/v1/calls", key, { body: "[1]", headers: { "Content-Type": "application/json" } })).body.error,
    ).toEqual({
      code: "invalid_body",
      message: 'The body must be a JSON object like {"agent_id": …, "contact_number": …}.',
    });
    expectError(
      await a.rest("POST", "/v1/calls", key, { body: "{", headers: { "Content-Type": "application/json" } }),
      400,
      "malformed_json",
    );
    expectError(
      await a.rest("POST", "/v1/calls", key, { body: "a=b", headers: { "Content-Type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
    const noCountry = await a.rest("POST", "/v1/calls", key, { body: createData({ contact_number: "(415) 555-2671" }) });
    expect(noCountry.body.error.message).toMatch(/missing its country code/);
  });

  test("402 insufficient_credits with balance and cost, as the webhook answers it", async () => {
    const poor = await createTestOrg(suite.db, { credits: 0 });
    const poorKey = (await createTestApiKey(suite.db, poor.orgId)).key;
    const res = await a.rest("POST", "/v1/calls", poorKey, { body: { agent_id: poor.agentId, contact_number: phoneNumber() } });
    expectError(res, 402, "insufficient_credits");
    expect(res.body.error).toMatchObject({ balance: 0, cost: 1 });
  });

  test("Idempotency-Key: a repeat replays the first 201 exactly (one call); another body is 422; the same key on the webhook is 422", async () => {
    const data = createData();
    const headers = { "Idempotency-Key": "rest-order-1" };
    const first = await a.rest("POST", "/v1/calls", key, { body: data, headers });
    const again = await b.rest("POST", "/v1/calls", key, { body: data, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await suite.db.prisma.call.count({ where: { contactNumber: data.contact_number } })).toBe(1);
    expectError(
      await a.rest("POST", "/v1/calls", key, { body: createData(), headers }),
      422,
      "idempotency_key_reused",
      "Idempotency-Key",
    );
    expectError(await a.hook(org.token, createBody(org.agentId), headers), 422, "idempotency_key_reused", "Idempotency-Key");
    expectError(
      await a.rest("POST", "/v1/calls", key, { body: data, headers: { "Idempotency-Key": "k".repeat(256) } }),
      400,
      "invalid_idempotency_key",
    );
  });
});

describe("reading calls", () => {
  test("a connected call shows its stages' times, duration and engagement (transcript, recording metadata)", async () => {
    const call = await createCall();
    await advanceCall(suite.db, call.id, "completed", { engagement: true });
    const res = await a.rest("GET", `/v1/calls/${call.id}`, key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "completed",
      dialing_at: expect.any(String),
      ringing_at: expect.any(String),
      answered_at: expect.any(String),
      ended_at: expect.any(String),
      duration_seconds: 42,
      engagement: {
        transcript: "Agent: Hello Asha, this is about your order.",
        recording: { url: "https://provider.example/rec/1.mp3", seconds: 42 },
        duration_seconds: 42,
      },
    });
    const events = await a.rest("GET", `/v1/calls/${call.id}/events`, key);
    expect(events.status).toBe(200);
    expect(events.body.data.map((e: { from_status: string; to_status: string }) => [e.from_status, e.to_status])).toEqual([
      [null, "queued"],
      ["queued", "dialing"],
      ["dialing", "ringing"],
      ["ringing", "in_progress"],
      ["in_progress", "completed"],
    ]);
  });

  test("404 call_not_found (field call_id) for an unknown id, a malformed id, and another organisation's call, on every route", async () => {
    const other = await createTestOrg(suite.db, { credits: 5 });
    const otherKey = (await createTestApiKey(suite.db, other.orgId)).key;
    const foreign = await createCall({ agent_id: other.agentId }, otherKey);
    for (const id of ["call_doesnotexist", foreign.id, "x".repeat(65), "bad%20id", "%E2%82%AC"]) {
      for (const [method, route] of [
        ["GET", `/v1/calls/${id}`],
        ["GET", `/v1/calls/${id}/events`],
        ["POST", `/v1/calls/${id}/cancel`],
        ["DELETE", `/v1/calls/${id}`],
      ] as const) {
        const res = await a.rest(method, route, key);
        expectError(res, 404, "call_not_found", "call_id");
        expect(res.body.error.message).toBe("No call with this call_id exists for this organisation.");
      }
    }
    expect((await a.rest("GET", `/v1/calls/${foreign.id}`, otherKey)).body.status).toBe("queued");
  });
});

describe("cancel and delete", () => {
  test("cancel: 200 with the canceled call, credit back; 409 with the status once it left queued; {} or no body, nothing else", async () => {
    const call = await createCall();
    const before = (await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits as number;
    const res = await a.rest("POST", `/v1/calls/${call.id}/cancel`, key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: call.id, status: "canceled", end_reason: "canceled", ended_at: expect.any(String) });
    expect((await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits).toBe(before + 1);
    const events = await a.rest("GET", `/v1/calls/${call.id}/events`, key);
    expect(events.body.data.at(-1)).toMatchObject({
      from_status: "queued",
      to_status: "canceled",
      detail: "canceled by REST API",
    });
    const again = await a.rest("POST", `/v1/calls/${call.id}/cancel`, key, { body: {} });
    expectError(again, 409, "call_not_cancelable", "call_id");
    expect(again.body.error).toMatchObject({
      status: "canceled",
      message: "The call is canceled; only a scheduled or queued call, or one waiting for a retry, can be canceled.",
    });

    const other = await createCall();
    expectError(
      await a.rest("POST", `/v1/calls/${other.id}/cancel`, key, { body: { reason: "x" } }),
      400,
      "unknown_field",
      "reason",
    );
    expectError(
      await a.rest("POST", `/v1/calls/${other.id}/cancel`, key, { body: "x", headers: { "Content-Type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
    expectError(
      await a.rest("POST", `/v1/calls/${other.id}/cancel`, key, { body: "[]", headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_body",
    );
    expect((await a.rest("POST", `/v1/calls/${other.id}/cancel`, key, { body: {} })).status).toBe(200);
  });

  test("cancel with an Idempotency-Key: the repeat replays the 200 instead of answering 409", async () => {
    const call = await createCall();
    const headers = { "Idempotency-Key": `cancel-${call.id}` };
    const first = await a.rest("POST", `/v1/calls/${call.id}/cancel`, key, { headers });
    const again = await a.rest("POST", `/v1/calls/${call.id}/cancel`, key, { headers });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    // The same key on another call is another request.
    const otherCall = await createCall();
    expectError(await a.rest("POST", `/v1/calls/${otherCall.id}/cancel`, key, { headers }), 422, "idempotency_key_reused");
  });

  test("delete: 200 {id, deleted}; then 404 on every route and absent from the list; 409 for a call that is not deletable", async () => {
    const call = await createCall({ contact_name: "Zed" });
    await advanceCall(suite.db, call.id, "completed", { engagement: true });
    const res = await a.rest("DELETE", `/v1/calls/${call.id}`, key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: call.id, deleted: true });
    for (const [method, route] of [
      ["GET", `/v1/calls/${call.id}`],
      ["GET", `/v1/calls/${call.id}/events`],
      ["POST", `/v1/calls/${call.id}/cancel`],
      ["DELETE", `/v1/calls/${call.id}`],
    ] as const) {
      expectError(await a.rest(method, route, key), 404, "call_not_found", "call_id");
    }
    expectError(
      await a.hook(org.token, { action: "call.cancel", data: { call_id: call.id } }),
      404,
      "call_not_found",
      "data.call_id",
    );
    const listed = await a.rest("GET", "/v1/calls?limit=100&status=completed", key);
    expect(listed.body.data.map((c: { id: string }) => c.id)).not.toContain(call.id);

    const queued = await createCall();
    const refused = await a.rest("DELETE", `/v1/calls/${queued.id}`, key);
    expectError(refused, 409, "call_not_deletable", "call_id");
    expect(refused.body.error.status).toBe("queued");
  });
});

describe("GET /v1/calls", () => {
  let lister: TestOrg;
  let listKey: string;
  const ids: string[] = [];

  beforeAll(async () => {
    lister = await createTestOrg(suite.db, { credits: 100 });
    listKey = (await createTestApiKey(suite.db, lister.orgId)).key;
    for (let i = 0; i < 7; i++) {
      ids.unshift((await createCall({ agent_id: lister.agentId }, listKey)).id);
    }
  });

  const page = (query: string) => a.rest("GET", `/v1/calls${query}`, listKey);

  test("newest first, limit (default 20), has_more and next_cursor walk every call exactly once", async () => {
    const all = await page("");
    expect(all.body).toEqual({ data: expect.any(Array), has_more: false, next_cursor: null });
    expect(all.body.data.map((c: { id: string }) => c.id)).toEqual(ids);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await page(`?limit=3${cursor ? `&starting_after=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      expect(res.body.has_more).toBe(res.body.next_cursor !== null);
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  test("stable under concurrent inserts: calls created while paging neither repeat nor hide a call", async () => {
    const first = await page("?limit=2");
    await Promise.all(Array.from({ length: 5 }, () => createCall({ agent_id: lister.agentId }, listKey)));
    const seen = first.body.data.map((c: { id: string }) => c.id);
    let cursor = first.body.next_cursor as string | null;
    while (cursor) {
      const res = await page(`?limit=2&starting_after=${cursor}`);
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      cursor = res.body.next_cursor;
    }
    expect(seen).toEqual(ids);
  });

  test("filters: status, agent_id, created_after and created_before (exclusive)", async () => {
    const canceled = ids[2] as string;
    await a.rest("POST", `/v1/calls/${canceled}/cancel`, listKey);
    const byStatus = await page("?status=canceled");
    expect(byStatus.body.data.map((c: { id: string }) => c.id)).toEqual([canceled]);
    const agent = await suite.db.prisma.agent.create({ data: { id: "agt_second_lister", orgId: lister.orgId, name: "second" } });
    const own = await createCall({ agent_id: agent.id }, listKey);
    expect((await page(`?agent_id=${agent.id}`)).body.data.map((c: { id: string }) => c.id)).toEqual([own.id]);
    expect((await page(`?agent_id=${org.agentId}`)).body.data).toEqual([]);
    const pivot = (await a.rest("GET", `/v1/calls/${ids[3]}`, listKey)).body.created_at as string;
    const after = await page(`?created_after=${encodeURIComponent(pivot)}&limit=100&agent_id=${lister.agentId}`);
    expect(after.body.data.every((c: { created_at: string }) => c.created_at > pivot)).toBe(true);
    const before = await page(`?created_before=${encodeURIComponent(pivot)}&limit=100`);
    expect(before.body.data.every((c: { created_at: string }) => c.created_at < pivot)).toBe(true);
    expect(before.body.data.length).toBeGreaterThan(0);
    expect((await page("?status=&limit=")).status).toBe(200);
  });

  test("400 for an unknown filter, limit outside 1–100, a bad cursor, date or status, a repeated parameter", async () => {
    const cases: [string, string, string][] = [
      ["?colour=red", "unknown_parameter", "colour"],
      ["?offset=10", "unknown_parameter", "offset"],
      ["?limit=0", "invalid_parameter", "limit"],
      ["?limit=1000", "invalid_parameter", "limit"],
      ["?limit=101", "invalid_parameter", "limit"],
      ["?limit=-1", "invalid_parameter", "limit"],
      ["?limit=2.5", "invalid_parameter", "limit"],
      ["?limit=ten", "invalid_parameter", "limit"],
      ["?limit=1&limit=2", "invalid_parameter", "limit"],
      ["?starting_after=nope", "invalid_cursor", "starting_after"],
      ["?starting_after=call_abc", "invalid_cursor", "starting_after"],
      [`?starting_after=${Buffer.from("2026-01-01~x y").toString("base64url")}`, "invalid_cursor", "starting_after"],
      ["?created_after=yesterday", "invalid_parameter", "created_after"],
      ["?created_before=2026-13-01T00:00:00Z", "invalid_parameter", "created_before"],
      ["?created_before=2026-01-01", "invalid_parameter", "created_before"],
      ["?created_after=0000-01-01T00:00:00Z", "invalid_parameter", "created_after"],
      ["?status=done", "invalid_parameter", "status"],
      ["?agent_id=a%20b", "invalid_parameter", "agent_id"],
    ];
    for (const [query, code, field] of cases) expectError(await page(query), 400, code, field);
  });
});

describe("503 semantics", () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  test("Postgres or Redis unavailable → 503 service_unavailable with Retry-After, quickly, and nothing created", async () => {
    const fresh = await createTestOrg(suite.db, { credits: 5 });
    const freshKey = (await createTestApiKey(suite.db, fresh.orgId)).key;
    const deadDb = createDatabase({ url: `postgresql://postgres:postgres@127.0.0.1:${await closedPort()}/x`, timeoutMs: 1000 });
    const deadRedis = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, timeoutMs: 500, role: "client" });
    const deadQueues = createQueues(deadRedis, suite.prefix);
    const noDb = await startIngress(suite, { db: deadDb });
    const noRedis = await startIngress(suite, { redis: deadRedis, queues: deadQueues });
    try {
      for (const replica of [noDb, noRedis]) {
        const started = Date.now();
        for (const [method, route] of [
          ["POST", "/v1/calls"],
          ["GET", "/v1/calls"],
          ["GET", "/v1/calls/call_x"],
        ] as const) {
          const res = await replica.rest(method, route, freshKey, {
            body: method === "POST" ? { agent_id: fresh.agentId, contact_number: phoneNumber() } : undefined,
          });
          expectError(res, 503, "service_unavailable");
          expect(res.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
        }
        expect(Date.now() - started).toBeLessThan(15_000);
      }
      expect(await suite.db.prisma.call.count({ where: { orgId: fresh.orgId } })).toBe(0);
    } finally {
      await Promise.all([noDb.close(), noRedis.close()]);
      await deadDb.close();
      deadRedis.disconnect();
    }
  });
});

describe("routes and the OpenAPI document", () => {
  test("other methods → 405 with Allow; unknown routes → 404 not_found", async () => {
    for (const [method, route, allow] of [
      ["PUT", "/v1/calls", "GET, POST"],
      ["PATCH", "/v1/calls/call_x", "GET, DELETE"],
      ["POST", "/v1/calls/call_x/events", "GET"],
      ["GET", "/v1/calls/call_x/cancel", "POST"],
      ["POST", "/v1/openapi.json", "GET, HEAD"],
    ] as const) {
      const res = await send(a.url, route, { method, headers: { Authorization: `Bearer ${key}` } });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.body.error.code).toBe("method_not_allowed");
    }
    expect((await send(a.url, "/v1/callz", { method: "GET" })).body.error.code).toBe("not_found");
  });

  test("GET /v1/openapi.json is OpenAPI 3.1, valid against the OpenAPI 3.1 schema, generated from the request schemas", async () => {
    const res = await a.rest("GET", "/v1/openapi.json", null);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument({ serverUrl: suite.config.PUBLIC_BASE_URL }))));
    // One source of truth: the request body schema IS the validator's schema (Ajv's nullable as a type array).
    expect(res.body.components.schemas.CreateCallData.properties.agent_id).toEqual(createCallSchema.properties.agent_id);
    expect(res.body.components.schemas.CreateCallData.required).toEqual(createCallSchema.required);
    expect(res.body.components.schemas.CreateCallData.properties.contact_name).toEqual(
      toOpenApiSchema(createCallSchema.properties.contact_name),
    );
    expect(res.body.components.schemas.CreateCallData.properties.contact_name.type).toEqual(["string", "null"]);

    // @seriousme/openapi-schema-validator is ESM only: it runs in a plain Node process.
    const dir = mkdtempSync(path.join(tmpdir(), "openapi-"));
    const file = path.join(dir, "openapi.json");
    writeFileSync(file, res.text);
    const script = `
      import { Validator } from "@seriousme/openapi-schema-validator";
      const validator = new Validator();
      const result = await validator.validate(${JSON.stringify(file)});
      console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    expect(JSON.parse(stdout)).toEqual({ valid: true, version: "3.1", errors: undefined });
  });

  test("GET /v1/docs renders the document with Swagger UI served by the ingress itself (no CDN)", async () => {
    const page = await send(a.url, "/v1/docs", { method: "GET" });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toContain('url: "/v1/openapi.json"');
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(sources.every((s) => s.startsWith("/v1/docs/"))).toBe(true);
    for (const asset of sources) {
      const res = await send(a.url, asset, { method: "GET" });
      expect(res.status).toBe(200);
      expect(res.text.length).toBeGreaterThan(10_000);
    }
    expect((await send(a.url, "/v1/docs/package.json", { method: "GET" })).status).toBe(404);
  });

  test("every REST response of this file was checked against the document", () => {
    expect(checkedResponses.count).toBeGreaterThan(150);
  });
});
