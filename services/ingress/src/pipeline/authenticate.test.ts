import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { enableSigning } from "@inbound/db";
import { createQueues } from "@inbound/queue";
import { SecretBox, signPayload } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import {
  admin,
  createBody,
  createTestOrg,
  phoneNumber,
  send,
  startIngress,
  type TestIngress,
  type TestOrg,
  tokenCacheCounts,
  untilCached,
} from "../test-support/harness";

const run = promisify(execFile);

let suite: SuiteEnv;
let a: TestIngress;
let b: TestIngress;
let box: SecretBox;

beforeAll(async () => {
  suite = await createSuiteEnv();
  // Two replicas sharing Postgres and Redis.
  [a, b] = await Promise.all([startIngress(suite), startIngress(suite)]);
  box = new SecretBox(suite.config.SECRETS_KEY);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await suite?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const TOLERANCE = 300;

function post(ingress: TestIngress, token: string, payload: string, headers: Record<string, string> = {}) {
  return send(ingress.url, `/v1/hooks/${token}`, { body: payload, headers: { "Content-Type": "application/json", ...headers } });
}

async function signedOrg(): Promise<TestOrg & { secret: string }> {
  const org = await createTestOrg(suite.db, { credits: 100 });
  const { signing_secret } = await enableSigning(suite.db.prisma, box, org.orgId);
  return { ...org, secret: signing_secret };
}

const payloadFor = (org: TestOrg) => JSON.stringify(createBody(org.agentId, { contact_number: phoneNumber() }));

/** A 201 from a replica that had not seen the token, then the wait until it has cached the organisation. */
async function cachedAfter(replica: TestIngress, request: () => Promise<{ status: number }>) {
  const stored = (await tokenCacheCounts(replica)).stored ?? 0;
  expect((await request()).status).toBe(201);
  await untilCached(replica, stored + 1);
}

function expect401(res: { status: number; body: unknown; text: string }, code: string, ...secrets: string[]) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ success: false, error: { code, message: expect.any(String) } });
  for (const secret of secrets) expect(res.text).not.toContain(secret);
}

describe("signature verification", () => {
  test("the documented openssl recipe, run as written, produces a signature that passes", async () => {
    const org = await signedOrg();
    const payload = payloadFor(org);
    const timestamp = String(now());
    const { stdout } = await run(
      "bash",
      ["-c", `printf '%s.%s' "$TIMESTAMP" "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET"`],
      {
        env: { ...process.env, TIMESTAMP: timestamp, PAYLOAD: payload, SECRET: org.secret },
      },
    );
    const signature = stdout.trim().split(/\s+/).pop() as string;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    const res = await post(a, org.token, payload, { "X-Inbound-Timestamp": timestamp, "X-Inbound-Signature": signature });
    expect(res.status).toBe(201);
  });

  test("missing headers → 401 missing_signature", async () => {
    const org = await signedOrg();
    const payload = payloadFor(org);
    const ts = String(now());
    const sig = signPayload(org.secret, ts, payload);
    expect401(await post(a, org.token, payload), "missing_signature");
    expect401(await post(a, org.token, payload, { "X-Inbound-Timestamp": ts }), "missing_signature");
    expect401(await post(a, org.token, payload, { "X-Inbound-Signature": sig }), "missing_signature");
  });

  test("timestamps within ± tolerance pass; beyond it, in the past or the future, or not a number → 401 stale_timestamp", async () => {
    const org = await signedOrg();
    for (const offset of [-(TOLERANCE - 30), TOLERANCE - 30]) {
      const payload = payloadFor(org);
      const ts = String(now() + offset);
      const res = await post(a, org.token, payload, {
        "X-Inbound-Timestamp": ts,
        "X-Inbound-Signature": signPayload(org.secret, ts, payload),
      });
      expect(res.status).toBe(201);
    }
    for (const ts of [String(now() - TOLERANCE - 30), String(now() + TOLERANCE + 30), "yesterday", "-5", `${now()}.5`]) {
      const payload = payloadFor(org);
      const res = await post(a, org.token, payload, {
        "X-Inbound-Timestamp": ts,
        "X-Inbound-Signature": signPayload(org.secret, ts, payload),
      });
      expect401(res, "stale_timestamp");
    }
  });

  test("a wrong secret, a re-spaced body, or garbage → 401 invalid_signature; the sha256= prefix is accepted", async () => {
    const org = await signedOrg();
    const body = createBody(org.agentId, { contact_number: phoneNumber() });
    const compact = JSON.stringify(body);
    const ts = String(now());
    const good = signPayload(org.secret, ts, compact);

    expect401(
      await post(a, org.token, compact, {
        "X-Inbound-Timestamp": ts,
        "X-Inbound-Signature": signPayload("whsec_wrong", ts, compact),
      }),
      "invalid_signature",
      org.secret,
    );
    // Same JSON, re-spaced: the signature covers the raw bytes, so it no longer matches.
    expect401(
      await post(a, org.token, JSON.stringify(body, null, 2), { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": good }),
      "invalid_signature",
      good,
    );
    expect401(
      await post(a, org.token, compact, { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": "not-hex" }),
      "invalid_signature",
    );
    // Signed for another timestamp.
    expect401(
      await post(a, org.token, compact, { "X-Inbound-Timestamp": String(Number(ts) - 1), "X-Inbound-Signature": good }),
      "invalid_signature",
    );

    const res = await post(a, org.token, compact, { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": `sha256=${good}` });
    expect(res.status).toBe(201);
  });

  test("a replayed signature → 401 replayed_request, on the same replica and on another", async () => {
    const org = await signedOrg();
    const payload = payloadFor(org);
    const ts = String(now());
    const sig = signPayload(org.secret, ts, payload);
    const headers = { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": sig };
    expect((await post(a, org.token, payload, headers)).status).toBe(201);
    expect401(await post(a, org.token, payload, headers), "replayed_request", sig);
    expect401(
      await post(b, org.token, payload, { ...headers, "X-Inbound-Signature": `sha256=${sig.toUpperCase()}` }),
      "replayed_request",
    );
    expect(await suite.db.prisma.call.count({ where: { orgId: org.orgId } })).toBe(1);
  });

  test("secret rotation with a grace period: both secrets pass until it ends, then only the new one", async () => {
    const org = await signedOrg();
    const { signing_secret: next } = (await admin(suite, ["signing", "rotate", "--org", org.orgId, "--grace-minutes", "10"])) as {
      signing_secret: string;
    };
    const sign = (secret: string, ts: string, payload: string) => signPayload(secret, ts, payload);

    for (const pick of [(o: string, n: string) => `sha256=${o}, sha256=${n}`, (o: string) => o, (_o: string, n: string) => n]) {
      const payload = payloadFor(org);
      const ts = String(now());
      const header = pick(sign(org.secret, ts, payload), sign(next, ts, payload));
      expect((await post(a, org.token, payload, { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": header })).status).toBe(201);
    }

    // The grace period ends (as if 10 minutes had passed), as replica b, which has not cached this
    // organisation, reads it from Postgres. (A cached copy honours the end on its own: org-cache.test.ts.)
    await suite.db.prisma.signingSecret.updateMany({
      where: { orgId: org.orgId, expiresAt: { not: null } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    let payload = payloadFor(org);
    let ts = String(now());
    expect401(
      await post(b, org.token, payload, { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": sign(org.secret, ts, payload) }),
      "invalid_signature",
    );
    payload = payloadFor(org);
    ts = String(now());
    const both = `${sign(org.secret, ts, payload)} ${sign(next, ts, payload)}`;
    expect((await post(b, org.token, payload, { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": both })).status).toBe(201);
  });

  test("rotation without grace (pnpm admin signing rotate): the previous secret fails on the very next request on every replica", async () => {
    const org = await signedOrg();
    const signed = (secret: string) => {
      const payload = payloadFor(org);
      const ts = String(now());
      return [payload, { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": signPayload(secret, ts, payload) }] as const;
    };
    // Both replicas know the organisation (and its secret) before the rotation.
    for (const replica of [a, b]) await cachedAfter(replica, () => post(replica, org.token, ...signed(org.secret)));

    const { signing_secret: next } = (await admin(suite, ["signing", "rotate", "--org", org.orgId])) as {
      signing_secret: string;
    };
    for (const replica of [a, b]) {
      expect401(await post(replica, org.token, ...signed(org.secret)), "invalid_signature");
      expect((await post(replica, org.token, ...signed(next))).status).toBe(201);
    }
  });

  test("pnpm admin signing enable / disable take effect on the very next request on every replica", async () => {
    const org = await createTestOrg(suite.db, { credits: 100 });
    for (const replica of [a, b]) await cachedAfter(replica, () => post(replica, org.token, payloadFor(org)));

    const { signing_secret: secret } = (await admin(suite, ["signing", "enable", "--org", org.orgId])) as {
      signing_secret: string;
    };
    for (const replica of [a, b]) {
      expect401(await post(replica, org.token, payloadFor(org)), "missing_signature");
      const payload = payloadFor(org);
      const ts = String(now());
      const headers = { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": signPayload(secret, ts, payload) };
      expect((await post(replica, org.token, payload, headers)).status).toBe(201);
    }

    await admin(suite, ["signing", "disable", "--org", org.orgId]);
    for (const replica of [a, b]) expect((await post(replica, org.token, payloadFor(org))).status).toBe(201);
  });

  test("when verification is off the signature headers are ignored", async () => {
    const org = await createTestOrg(suite.db);
    const res = await post(a, org.token, payloadFor(org), { "X-Inbound-Timestamp": "garbage", "X-Inbound-Signature": "garbage" });
    expect(res.status).toBe(201);
  });

  test("a signed request that fails with 503 releases its signature, so the sender's retry is not a replay", async () => {
    const org = await signedOrg();
    const queues = createQueues(suite.redis, suite.prefix);
    queues.calls.add = (async () => {
      throw new Error("Connection is closed.");
    }) as typeof queues.calls.add;
    const broken = await startIngress(suite, { queues });
    try {
      const payload = payloadFor(org);
      const ts = String(now());
      const headers = { "X-Inbound-Timestamp": ts, "X-Inbound-Signature": signPayload(org.secret, ts, payload) };
      expect((await post(broken, org.token, payload, headers)).status).toBe(503);
      const retry = await post(a, org.token, payload, headers);
      expect(retry.status).toBe(201);
    } finally {
      await broken.close();
      await queues.close();
    }
  });

  test("signing secrets are stored sealed, never in clear", async () => {
    const org = await signedOrg();
    const rows = await suite.db.prisma.signingSecret.findMany({ where: { orgId: org.orgId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.encryptedSecret).not.toContain(org.secret.slice(6));
    expect(box.open(rows[0]?.encryptedSecret as string)).toBe(org.secret);
  });
});

describe("tokens", () => {
  test("401 invalid_token for an unknown token, a malformed token, and a token of the wrong shape", async () => {
    const org = await createTestOrg(suite.db);
    for (const token of ["whk_unknowntokenunknowntokenunknowntoken1234", "x", "a".repeat(300), `${org.token}x`]) {
      const res = await a.hook(token, createBody(org.agentId));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        success: false,
        error: {
          code: "invalid_token",
          message: "The webhook token is unknown or was rotated. Use the organisation's current webhook URL.",
        },
      });
    }
  });

  test("rotation (pnpm admin token rotate): the old token fails on the very next request on every replica, the new one works on every replica", async () => {
    const org = await createTestOrg(suite.db);
    for (const replica of [a, b]) await cachedAfter(replica, () => replica.hook(org.token, createBody(org.agentId)));

    const { webhook_token: fresh } = (await admin(suite, ["token", "rotate", "--org", org.orgId])) as { webhook_token: string };
    expect(fresh).not.toBe(org.token);
    for (const replica of [a, b]) {
      const old = await replica.hook(org.token, createBody(org.agentId));
      expect(old.status).toBe(401);
      expect(old.body.error.code).toBe("invalid_token");
      expect((await replica.hook(fresh, createBody(org.agentId))).status).toBe(201);
    }
  });

  test("tokens are stored only as hashes", async () => {
    const org = await createTestOrg(suite.db);
    const rows = await suite.db.prisma.webhookToken.findMany({ where: { orgId: org.orgId } });
    expect(JSON.stringify(rows)).not.toContain(org.token);
  });
});
