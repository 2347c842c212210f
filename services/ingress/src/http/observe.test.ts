import { enableSigning } from "@inbound/db";
import { SecretBox, signPayload } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createBody, createTestOrg, send, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

let suite: SuiteEnv;
let ingress: TestIngress;
let org: TestOrg;
let signed: TestOrg & { secret: string };
const PII = {
  number: "+447911123456",
  name: "Ottoline Featherstonehaugh",
  email: "ottoline@example.net",
  info: "passport-X9981273",
};
const sentSignatures: string[] = [];

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
  org = await createTestOrg(suite.db, { credits: 1, dailyQuota: 6 });
  const s = await createTestOrg(suite.db, { credits: 5 });
  const { signing_secret } = await enableSigning(suite.db.prisma, new SecretBox(suite.config.SECRETS_KEY), s.orgId);
  signed = { ...s, secret: signing_secret };

  const pii = createBody(org.agentId, {
    contact_number: PII.number,
    contact_name: PII.name,
    contact_email: PII.email,
    additional_info: { doc: PII.info },
  });
  const statuses = [
    (await ingress.hook(org.token, pii, { "X-Request-Id": "obs-1" })).status, // 201
    (await ingress.hook(org.token, pii)).status, // 402
    (await ingress.hook(org.token, { ...pii, data: { ...pii.data, contact_number: "12" } })).status, // 400
    (await ingress.hook(`${org.token}zz`, pii)).status, // 401
    (
      await send(ingress.url, `/v1/hooks/${org.token}`, {
        body: `{"broken": "${PII.name}`,
        headers: { "Content-Type": "application/json" },
      })
    ).status,
  ];
  for (let i = 0; i < 3; i++) await ingress.hook(org.token, pii); // 402, 402, 429
  const ts = String(Math.floor(Date.now() / 1000));
  const payload = JSON.stringify(createBody(signed.agentId, { contact_name: PII.name }));
  const sig = signPayload(signed.secret, ts, payload);
  sentSignatures.push(sig, signPayload("whsec_wrong", ts, payload));
  statuses.push(
    (
      await send(ingress.url, `/v1/hooks/${signed.token}`, {
        body: payload,
        headers: { "Content-Type": "application/json", "X-Inbound-Timestamp": ts, "X-Inbound-Signature": sig },
      })
    ).status,
    (
      await send(ingress.url, `/v1/hooks/${signed.token}`, {
        body: payload,
        headers: {
          "Content-Type": "application/json",
          "X-Inbound-Timestamp": ts,
          "X-Inbound-Signature": sentSignatures[1] as string,
        },
      })
    ).status,
  );
  expect(statuses).toEqual([201, 402, 400, 401, 400, 201, 401]);
});

afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

const logLines = () => ingress.logs.map((line) => JSON.parse(line) as Record<string, unknown>);

test("one JSON access-log line per request, with request id, org, action, status and duration", () => {
  const lines = logLines().filter((l) => l.msg === "request");
  expect(lines.length).toBeGreaterThanOrEqual(10);
  expect(lines[0]).toMatchObject({
    service: "ingress",
    level: "info",
    request_id: "obs-1",
    org_id: org.orgId,
    action: "call.create",
    method: "POST",
    route: "/v1/hooks/:token",
    status: 201,
    duration_ms: expect.any(Number),
  });
  expect(lines.find((l) => l.status === 402)).toMatchObject({ code: "insufficient_credits", org_id: org.orgId });
  expect(lines.find((l) => l.status === 429)).toMatchObject({ code: "daily_quota_exceeded" });
  expect(lines.find((l) => l.status === 401)).toMatchObject({ code: "invalid_token" });
  expect(lines.find((l) => l.status === 401)).not.toHaveProperty("org_id");
});

test("the logs hold no token, signing secret, signature or PII", () => {
  const all = ingress.logs.join("\n");
  const forbidden = [
    org.token,
    org.token.slice(10),
    signed.token.slice(10),
    signed.secret,
    signed.secret.slice(6),
    ...sentSignatures,
    ...Object.values(PII),
    PII.number.slice(1),
  ];
  for (const value of forbidden) expect(all).not.toContain(value);
});

test("/metrics: requests by route template and status, latency, outcomes by code, refusals, Node defaults; no token", async () => {
  const res = await send(ingress.internalUrl, "/metrics", { method: "GET" });
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toContain("text/plain");
  const text = res.text;
  expect(text).toMatch(/ingress_http_requests_total\{method="POST",route="\/v1\/hooks\/:token",status="201"\} 2/);
  expect(text).toMatch(
    /ingress_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/v1\/hooks\/:token",status="402"\}/,
  );
  expect(text).toMatch(/ingress_webhook_outcomes_total\{action="call.create",code="insufficient_credits"\} 3/);
  expect(text).toMatch(/ingress_webhook_outcomes_total\{action="unknown",code="invalid_token"\} 1/);
  expect(text).toMatch(/ingress_webhook_outcomes_total\{action="call.create",code="ok"\} 2/);
  expect(text).toMatch(/ingress_credits_refused_total 3/);
  expect(text).toMatch(/ingress_quota_refused_total 1/);
  expect(text).toContain("process_cpu_user_seconds_total");
  expect(text).toContain("nodejs_eventloop_lag_seconds");
  for (const value of [org.token, org.token.slice(0, 12), signed.token.slice(10), signed.secret])
    expect(text).not.toContain(value);
});

test("/readyz and /metrics are on the internal port only; /healthz on both; health checks are not logged at info", async () => {
  for (const path of ["/readyz", "/metrics"]) {
    const res = await send(ingress.url, path, { method: "GET" });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain("ingress_http_requests_total");
  }
  const logged = ingress.logs.length;
  expect((await send(ingress.url, "/healthz", { method: "GET" })).body).toEqual({ status: "ok" });
  expect((await send(ingress.internalUrl, "/healthz", { method: "GET" })).body).toEqual({ status: "ok" });
  expect(ingress.logs.slice(logged).filter((line) => line.includes("/healthz"))).toEqual([]);
});

test("/healthz and /readyz answer; other methods on them are 405", async () => {
  expect((await send(ingress.url, "/healthz", { method: "GET" })).body).toEqual({ status: "ok" });
  const ready = await send(ingress.internalUrl, "/readyz", { method: "GET" });
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: "ready", checks: { postgres: true, redis: true } });
  const post = await send(ingress.url, "/healthz", { method: "POST", body: {} });
  expect(post.status).toBe(405);
  expect(post.body.error.code).toBe("method_not_allowed");
});
