import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Database } from "@inbound/db";
import { enableSigning } from "@inbound/db";
import { SecretBox, signPayload } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import {
  createBody,
  createTestOrg,
  phoneNumber,
  send,
  startIngress,
  type TestIngress,
  tokenCacheCounts,
  untilCached,
} from "../test-support/harness";

/**
 * Issue 9 (floods): unknown tokens are refused from memory and before their body is read, a bad signature
 * on a known token does not evict its organisation's cached copy, and the in-memory queues are bounded.
 */
let suite: SuiteEnv;

beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(async () => {
  await suite?.close();
});

/** The suite's database, with every statement of the webhook pool counted, and optionally held at a gate. */
function observedDb() {
  let statements = 0;
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const pool = new Proxy(suite.db.pool, {
    get(target, property) {
      if (property === "query") {
        return async (...args: unknown[]) => {
          statements += 1;
          if (gate) await gate;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const db: Database = { ...suite.db, pool, close: async () => undefined };
  return {
    db,
    statements: () => statements,
    hold() {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = undefined;
      open();
    },
  };
}

const randomToken = () => `whk_${randomBytes(24).toString("base64url")}`;

describe("unknown tokens", () => {
  let observed: ReturnType<typeof observedDb>;
  let now = Date.now();
  let ingress: TestIngress;
  beforeAll(async () => {
    observed = observedDb();
    ingress = await startIngress(suite, {
      db: observed.db,
      clock: () => now,
      config: { TOKEN_NEGATIVE_CACHE_TTL_SECONDS: "5" },
    });
  });
  afterAll(async () => {
    await ingress?.close();
  });

  test("an unknown token is answered 401 from memory for the negative TTL: no Postgres read", async () => {
    now = Date.now();
    const token = randomToken();
    const before = observed.statements();
    expect((await ingress.hook(token, { action: "call.create", data: {} })).status).toBe(401);
    expect(observed.statements() - before).toBe(1);
    const unknownBefore = (await tokenCacheCounts(ingress)).unknown ?? 0;
    for (let i = 0; i < 5; i++) {
      const res = await ingress.hook(token, { action: "call.create", data: {} });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_token");
    }
    expect(observed.statements() - before).toBe(1);
    expect(((await tokenCacheCounts(ingress)).unknown ?? 0) - unknownBefore).toBe(5);
  });

  test("a token that becomes valid is hidden by the negative cache for at most its TTL", async () => {
    now = Date.now();
    const org = await createTestOrg(suite.db);
    // Unknown at first (revoked behind the ingress's back), then valid again: like a token created meanwhile.
    await suite.db.pool.query("UPDATE webhook_tokens SET revoked_at = now() WHERE org_id = $1", [org.orgId]);
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(401);
    await suite.db.pool.query("UPDATE webhook_tokens SET revoked_at = NULL WHERE org_id = $1", [org.orgId]);
    now += 4_000;
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(401);
    now += 1_001;
    expect((await ingress.hook(org.token, createBody(org.agentId))).status).toBe(201);
  });

  test("an unknown token is refused before its body is read: the answer comes without the body, and the connection closes", async () => {
    const { port } = new URL(ingress.url);
    const socket = connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    // Headers announce 30 000 bytes; none is ever sent.
    socket.write(
      `POST /v1/hooks/${randomToken()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30000\r\n\r\n`,
    );
    const deadline = setTimeout(() => socket.destroy(), 5_000);
    await closed;
    clearTimeout(deadline);
    const response = Buffer.concat(chunks).toString();
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
    expect(response).toMatch(/connection: close/i);
    expect(response).toContain('"invalid_token"');
  });
});

describe("a bad signature on a known token", () => {
  let observed: ReturnType<typeof observedDb>;
  let ingress: TestIngress;
  beforeAll(async () => {
    observed = observedDb();
    ingress = await startIngress(suite, { db: observed.db, config: { TOKEN_CACHE_TTL_SECONDS: "60" } });
  });
  afterAll(async () => {
    await ingress?.close();
  });

  test("is refused without evicting the organisation's cached copy and without reading Postgres", async () => {
    const org = await createTestOrg(suite.db);
    const { signing_secret } = await enableSigning(suite.db.prisma, new SecretBox(suite.config.SECRETS_KEY), org.orgId);
    const signed = () => {
      const payload = JSON.stringify(createBody(org.agentId, { contact_number: phoneNumber() }));
      const timestamp = String(Math.floor(Date.now() / 1000));
      return { payload, timestamp, signature: signPayload(signing_secret, timestamp, Buffer.from(payload)) };
    };
    const post = (payload: string, headers: Record<string, string>) =>
      send(ingress.url, `/v1/hooks/${org.token}`, { body: payload, headers: { "Content-Type": "application/json", ...headers } });

    const first = signed();
    const stored = (await tokenCacheCounts(ingress)).stored ?? 0;
    expect(
      (await post(first.payload, { "X-Inbound-Timestamp": first.timestamp, "X-Inbound-Signature": first.signature })).status,
    ).toBe(201);
    await untilCached(ingress, stored + 1);

    const before = { statements: observed.statements(), counts: await tokenCacheCounts(ingress) };
    for (let i = 0; i < 5; i++) {
      const forged = signed();
      const res = await post(forged.payload, { "X-Inbound-Timestamp": forged.timestamp, "X-Inbound-Signature": "ab".repeat(32) });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_signature");
    }
    expect(observed.statements()).toBe(before.statements);

    const legit = signed();
    expect(
      (await post(legit.payload, { "X-Inbound-Timestamp": legit.timestamp, "X-Inbound-Signature": legit.signature })).status,
    ).toBe(201);
    const after = await tokenCacheCounts(ingress);
    expect((after.miss ?? 0) - (before.counts.miss ?? 0)).toBe(0);
    expect((after.hit ?? 0) - (before.counts.hit ?? 0)).toBe(6);
  });
});

describe("bounded queues", () => {
  let observed: ReturnType<typeof observedDb>;
  let ingress: TestIngress;
  beforeAll(async () => {
    observed = observedDb();
    ingress = await startIngress(suite, { db: observed.db, config: { INGRESS_MAX_WAITING: "1" } });
  });
  afterAll(async () => {
    observed?.release();
    await ingress?.close();
  });

  test("past INGRESS_MAX_WAITING token lookups waiting, a request is answered 503 with Retry-After at once", async () => {
    observed.hold();
    // Two lookups in flight (the batcher's concurrency), one waiting (the bound), two refused.
    const responses = Array.from({ length: 5 }, () => ingress.hook(randomToken(), { action: "call.create", data: {} }));
    const settled: { status: number; headers: Record<string, unknown>; body: { error: { code: string } } }[] = [];
    for (const r of responses) void r.then((res) => settled.push(res));
    const deadline = Date.now() + 10_000;
    while (settled.length < 2 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(settled.map((r) => r.status)).toEqual([503, 503]);
    for (const r of settled) {
      expect(r.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
      expect(r.body.error.code).toBe("service_unavailable");
    }
    observed.release();
    expect((await Promise.all(responses)).map((r) => r.status).sort()).toEqual([401, 401, 401, 503, 503]);
  });
});
