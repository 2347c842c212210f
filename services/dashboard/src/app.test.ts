import type { AddressInfo } from "node:net";
import { createAgent, createDashboardUser, createOrganization } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { createOrgChangeNotifier, createQueues, orgEpochKey, type Queues } from "@inbound/queue";
import { hashPassword } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import type { Server } from "node:http";
import { createDashboardApp } from "./app";

let suite: SuiteEnv;
let server: Server;
let base: string;
let queues: Queues;
let notifier: ReturnType<typeof createOrgChangeNotifier>;
const PASSWORD = "correct horse battery";
const orgs: { orgId: string; email: string; callId: string }[] = [];

/** A browser-like client: keeps the session cookie, reads the CSRF token from the last page. */
function client() {
  let cookie = "";
  let csrf = "";
  async function request(path: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const res = await fetch(base + path, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      redirect: "manual",
      headers: { cookie, ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0] as string;
    const text = await res.text();
    const token = text.match(/name="_csrf" value="([^"]+)"/);
    if (token) csrf = token[1] as string;
    return { status: res.status, text, location: res.headers.get("location"), setCookie: set };
  }
  return {
    request,
    get csrf() {
      return csrf;
    },
    async signIn(email: string, password = PASSWORD) {
      await request("/sign-in");
      return request("/sign-in", { form: { _csrf: csrf, email, password } });
    },
  };
}

beforeAll(async () => {
  suite = await createSuiteEnv({ SIGNIN_MAX_FAILURES: "3" });
  queues = createQueues(suite.redis, suite.prefix);
  notifier = createOrgChangeNotifier({
    redisUrl: suite.redisUrl,
    redisPrefix: suite.prefix,
    timeoutMs: 2000,
    cacheTtlSeconds: 60,
  });
  const passwordHash = await hashPassword(PASSWORD);
  for (const name of ["Acme", "Globex"]) {
    const org = await createOrganization(suite.db.prisma, { name, credits: 10, dailyQuota: 100, callingHoursGuard: false });
    const agent = await createAgent(suite.db.prisma, { orgId: org.org_id, name: "Agent" });
    const email = `${name.toLowerCase()}@example.com`;
    await createDashboardUser(suite.db.prisma, { orgId: org.org_id, email, passwordHash });
    const callId = `call_${name.toLowerCase()}1`;
    await suite.db.prisma.call.create({
      data: { id: callId, orgId: org.org_id, agentId: agent.agent_id, contactNumber: "+14155552671", creditsReserved: 1 },
    });
    orgs.push({ orgId: org.org_id, email, callId });
  }
  const app = createDashboardApp({
    config: suite.config,
    db: suite.db,
    redis: suite.redis,
    queues,
    orgChanges: notifier,
    logger: createLogger({ level: "silent", name: "dashboard" }),
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  server?.closeAllConnections();
  await notifier?.close();
  await queues?.close();
  await suite?.close();
});

test("signing in sets an HttpOnly, SameSite=Lax session cookie and opens the organisation's calls", async () => {
  const c = client();
  const res = await c.signIn(orgs[0]!.email);
  expect(res.status).toBe(303);
  expect(res.location).toBe("/calls");
  expect(res.setCookie).toMatch(/HttpOnly/i);
  expect(res.setCookie).toMatch(/SameSite=Lax/i);
  const calls = await c.request("/calls");
  expect(calls.status).toBe(200);
  expect(calls.text).toContain(orgs[0]!.callId);
  expect(calls.text).not.toContain(orgs[1]!.callId);
});

test("pages need a session: a stranger is sent to sign in and cannot post", async () => {
  const c = client();
  expect((await c.request("/calls")).location).toMatch(/^\/sign-in/);
  const post = await c.request(`/calls/${orgs[0]!.callId}/cancel`, { form: {} });
  expect([401, 403]).toContain(post.status);
  expect((await suite.db.prisma.call.findUnique({ where: { id: orgs[0]!.callId } }))?.status).toBe("queued");
});

test("a user never sees or touches another organisation's call (direct URLs answer 404, nothing changes)", async () => {
  const c = client();
  await c.signIn(orgs[1]!.email);
  const foreign = orgs[0]!.callId;
  expect((await c.request(`/calls/${foreign}`)).status).toBe(404);
  const searched = (await c.request(`/calls?q=${foreign}`)).text;
  expect(searched).not.toContain(`href="/calls/${foreign}"`);
  expect(searched).toContain("No calls match.");
  await c.request("/calls");
  expect((await c.request(`/calls/${foreign}/cancel`, { form: { _csrf: c.csrf } })).status).toBe(404);
  expect((await c.request(`/calls/${foreign}/delete`, { form: { _csrf: c.csrf } })).status).toBe(404);
  expect((await suite.db.prisma.call.findUnique({ where: { id: foreign } }))?.status).toBe("queued");
});

test("a state change without the CSRF token is refused with 403 and changes nothing", async () => {
  const c = client();
  await c.signIn(orgs[0]!.email);
  const before = await suite.db.prisma.webhookToken.findMany({ where: { orgId: orgs[0]!.orgId, revokedAt: null } });
  const refused = await c.request("/integrations/inbound-webhooks/regenerate", { form: { _csrf: "forged" } });
  expect(refused.status).toBe(403);
  const noToken = await c.request(`/calls/${orgs[0]!.callId}/cancel`, { form: {} });
  expect(noToken.status).toBe(403);
  const after = await suite.db.prisma.webhookToken.findMany({ where: { orgId: orgs[0]!.orgId, revokedAt: null } });
  expect(after.map((t) => t.id)).toEqual(before.map((t) => t.id));
  expect((await suite.db.prisma.call.findUnique({ where: { id: orgs[0]!.callId } }))?.status).toBe("queued");
});

test("regenerate goes through the shared notifier: new token committed, shown once, and the org's epoch bumped", async () => {
  const c = client();
  await c.signIn(orgs[0]!.email);
  await c.request("/integrations/inbound-webhooks/regenerate");
  const epochBefore = Number((await suite.redis.get(orgEpochKey(suite.prefix, orgs[0]!.orgId))) ?? 0);
  const res = await c.request("/integrations/inbound-webhooks/regenerate", { form: { _csrf: c.csrf } });
  expect(res.status).toBe(200);
  const shown = res.text.match(/\/v1\/hooks\/(whk_[A-Za-z0-9_-]+)/)?.[1];
  expect(shown).toBeDefined();
  const active = await suite.db.prisma.webhookToken.findMany({ where: { orgId: orgs[0]!.orgId, revokedAt: null } });
  expect(active.map((t) => t.displayPrefix)).toEqual([shown!.slice(0, 10)]);
  expect(Number(await suite.redis.get(orgEpochKey(suite.prefix, orgs[0]!.orgId)))).toBe(epochBefore + 1);
  // Shown once: the page afterwards has only the masked URL.
  expect((await c.request("/integrations/inbound-webhooks")).text).not.toContain(shown);
});

test("status webhooks: an endpoint added on the page goes through the shared use case (secret shown once); another organisation's endpoint answers 404 and stays untouched; no CSRF, no endpoint", async () => {
  const owner = client();
  await owner.signIn(orgs[0]!.email);
  await owner.request("/integrations/status-webhooks");
  expect(
    (await owner.request("/integrations/status-webhooks", { form: { url: "https://hooks.example.com/no-csrf" } })).status,
  ).toBe(403);
  const refused = await owner.request("/integrations/status-webhooks", {
    form: { _csrf: owner.csrf, url: "http://10.0.0.5/hook" },
  });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('id="form-error"');
  const form = new URLSearchParams({ _csrf: owner.csrf, url: "https://hooks.example.com/calls" });
  form.append("event_types", "call.completed");
  form.append("event_types", "call.failed");
  const created = await owner.request("/integrations/status-webhooks", { form: Object.fromEntries(form) });
  // (Object.fromEntries keeps the last event type; several are saved in the next test.)
  expect(created.status).toBe(200);
  const secret = created.text.match(/id="endpoint-secret">(whsec_[^<]+)</)?.[1];
  expect(secret).toBeDefined();
  const rows = await suite.db.pool.query(
    "SELECT id, org_id, url, event_types, enabled FROM webhook_endpoints ORDER BY created_at",
  );
  expect(rows.rows.map((r) => [r.org_id, r.url, r.event_types])).toEqual([
    [orgs[0]!.orgId, "https://hooks.example.com/calls", ["call.failed"]],
  ]);
  const endpointId = rows.rows[0].id as string;
  const list = await owner.request("/integrations/status-webhooks");
  expect(list.text).toContain(`href="/integrations/status-webhooks/${endpointId}"`);
  expect(list.text).not.toContain(secret);

  const stranger = client();
  await stranger.signIn(orgs[1]!.email);
  expect((await stranger.request("/integrations/status-webhooks")).text).not.toContain(endpointId);
  expect((await stranger.request(`/integrations/status-webhooks/${endpointId}`)).status).toBe(404);
  expect((await stranger.request(`/integrations/status-webhooks/${endpointId}/log`)).status).toBe(404);
  for (const action of ["disable", "test", "rotate", "events"]) {
    expect(
      (await stranger.request(`/integrations/status-webhooks/${endpointId}/${action}`, { form: { _csrf: stranger.csrf } }))
        .status,
    ).toBe(404);
  }
  const after = await suite.db.pool.query("SELECT enabled, event_types FROM webhook_endpoints WHERE id = $1", [endpointId]);
  expect(after.rows[0]).toEqual({ enabled: true, event_types: ["call.failed"] });
  expect((await suite.db.pool.query("SELECT count(*)::int AS n FROM webhook_messages")).rows[0].n).toBe(0);

  // The owner's own actions work: disable, then a test event is queued through the use case.
  const page = await owner.request(`/integrations/status-webhooks/${endpointId}`);
  expect(page.status).toBe(200);
  expect((await owner.request(`/integrations/status-webhooks/${endpointId}/test`, { form: { _csrf: owner.csrf } })).status).toBe(
    303,
  );
  expect((await suite.db.pool.query("SELECT event_type FROM webhook_messages")).rows).toEqual([{ event_type: "webhook.test" }]);
  expect(
    (await owner.request(`/integrations/status-webhooks/${endpointId}/disable`, { form: { _csrf: owner.csrf } })).status,
  ).toBe(303);
  expect((await suite.db.pool.query("SELECT enabled FROM webhook_endpoints WHERE id = $1", [endpointId])).rows[0].enabled).toBe(
    false,
  );
});

test("status webhooks: several event types saved, rotate shows the new secret once with its grace, recover makes failed messages pending; another organisation cannot resend them", async () => {
  const { createEndpoint, sendTestEvent } = await import("@inbound/webhooks");
  const { SecretBox } = await import("@inbound/security");
  const uc = { sql: suite.db.pool, box: new SecretBox(suite.config.SECRETS_KEY), policy: { allowInsecure: false } };
  const endpoint = await createEndpoint(uc, { orgId: orgs[0]!.orgId, url: "https://hooks.example.com/second" });
  const base = `/integrations/status-webhooks/${endpoint.id}`;
  const owner = client();
  await owner.signIn(orgs[0]!.email);
  await owner.request(base);
  const pairs = [
    ["_csrf", owner.csrf],
    ["event_types", "call.completed"],
    ["event_types", "call.failed"],
  ];
  expect((await owner.request(`${base}/events`, { form: pairs as unknown as Record<string, string> })).status).toBe(303);
  const saved = await suite.db.pool.query("SELECT event_types FROM webhook_endpoints WHERE id = $1", [endpoint.id]);
  expect(saved.rows[0].event_types).toEqual(["call.completed", "call.failed"]);

  await owner.request(base);
  const rotated = await owner.request(`${base}/rotate`, { form: { _csrf: owner.csrf, grace_minutes: "60" } });
  expect(rotated.status).toBe(200);
  const secret = rotated.text.match(/id="endpoint-secret">(whsec_[^<]+)</)?.[1];
  expect(secret).toBeDefined();
  expect(secret).not.toBe(endpoint.secret);
  expect(rotated.text).toContain("The previous secret still signs");
  expect((await owner.request(base)).text).not.toContain(secret);

  const sent = await sendTestEvent(uc, { orgId: orgs[0]!.orgId, endpointId: endpoint.id });
  await suite.db.pool.query("UPDATE webhook_messages SET status = 'failed' WHERE id = $1", [sent.message_id]);
  const stranger = client();
  await stranger.signIn(orgs[1]!.email);
  await stranger.request("/integrations/status-webhooks");
  expect((await stranger.request(`${base}/messages/${sent.message_id}/resend`, { form: { _csrf: stranger.csrf } })).status).toBe(
    404,
  );
  expect((await stranger.request(`${base}/recover`, { form: { _csrf: stranger.csrf, since: "2000-01-01T00:00" } })).status).toBe(
    404,
  );
  const status = async () =>
    (await suite.db.pool.query("SELECT status FROM webhook_messages WHERE id = $1", [sent.message_id])).rows[0].status;
  expect(await status()).toBe("failed");

  await owner.request(base);
  expect((await owner.request(`${base}/recover`, { form: { _csrf: owner.csrf, since: "2000-01-01T00:00" } })).status).toBe(303);
  expect(await status()).toBe("pending");
  expect((await owner.request(base)).text).toContain("1 failed message(s) are being sent again.");
});

test("API keys: created on the page through the shared statement (shown once); another organisation's key cannot be revoked (404, still active)", async () => {
  const owner = client();
  await owner.signIn(orgs[0]!.email);
  await owner.request("/integrations/api-keys");
  expect((await owner.request("/integrations/api-keys", { form: { name: "no csrf" } })).status).toBe(403);
  const created = await owner.request("/integrations/api-keys", { form: { _csrf: owner.csrf, name: "CRM sync" } });
  expect(created.status).toBe(201);
  const key = /id="api-key">(sk_[A-Za-z0-9_-]+)</.exec(created.text)?.[1] as string;
  expect(key).toMatch(/^sk_/);
  const row = await suite.db.prisma.apiKey.findFirstOrThrow({ where: { orgId: orgs[0]!.orgId, name: "CRM sync" } });
  expect(JSON.stringify(row)).not.toContain(key);
  const listed = await owner.request("/integrations/api-keys");
  expect(listed.text).toContain(row.displayPrefix);
  expect(listed.text).not.toContain(key);

  const stranger = client();
  await stranger.signIn(orgs[1]!.email);
  await stranger.request("/integrations/api-keys");
  expect((await stranger.request("/integrations/api-keys")).text).not.toContain(row.displayPrefix);
  expect((await stranger.request(`/integrations/api-keys/${row.id}/revoke`, { form: { _csrf: stranger.csrf } })).status).toBe(404);
  expect((await suite.db.prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).toBeNull();

  expect((await owner.request(`/integrations/api-keys/${row.id}/revoke`, { form: { _csrf: owner.csrf } })).status).toBe(303);
  expect((await suite.db.prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).toBeInstanceOf(Date);
});


test("call policy: the form changes the organisation's policy through the shared use case; a refused field is shown next to it and changes nothing; no CSRF, no change", async () => {
  const policyRow = async () =>
    (
      await suite.db.pool.query(
        "SELECT calling_hours_start, calling_hours_end, calling_hours_guard, max_concurrent_calls, dedupe_window_minutes, default_retry, policy_version FROM organizations WHERE id = $1",
        [orgs[0]!.orgId],
      )
    ).rows[0];
  const owner = client();
  await owner.signIn(orgs[0]!.email);
  const page = await owner.request("/settings/call-policy");
  expect(page.status).toBe(200);
  expect(page.text).toContain('value="08:00"');
  expect(page.text).toContain('aria-current="page">Call policy<');
  const before = await policyRow();
  const valid = {
    calling_hours_start: "09:00",
    calling_hours_end: "17:30",
    calling_hours_guard: "on",
    max_concurrent_calls: "4",
    dedupe_window_minutes: "15",
    retry_on: "no_answer",
    retry_max_attempts: "3",
    retry_backoff_minutes: "10, 60",
  };
  expect((await owner.request("/settings/call-policy", { form: valid })).status).toBe(403);
  expect(await policyRow()).toEqual(before);

  // The use case's rule (1–1000) and message, next to its field; a non-number is the form's own refusal.
  const refused = await owner.request("/settings/call-policy", { form: { _csrf: owner.csrf, ...valid, max_concurrent_calls: "0" } });
  expect(refused.status).toBe(400);
  expect(refused.text).toMatch(/id="max_concurrent_calls"[^>]*aria-invalid="true" aria-describedby="max_concurrent_calls-error"/);
  expect(refused.text).toContain('<p class="field-error" id="max_concurrent_calls-error">max_concurrent_calls must be an integer from 1 to 1000.</p>');
  expect(refused.text).toContain('value="17:30"');
  const hours = await owner.request("/settings/call-policy", { form: { _csrf: owner.csrf, ...valid, calling_hours_end: "08:00" } });
  expect(hours.status).toBe(400);
  expect(hours.text).toContain('id="calling_hours-error">calling_hours.end must be later than start on the same day.');
  const notNumber = await owner.request("/settings/call-policy", { form: { _csrf: owner.csrf, ...valid, dedupe_window_minutes: "ten" } });
  expect(notNumber.status).toBe(400);
  expect(notNumber.text).toContain('id="dedupe_window_minutes-error">Enter a whole number.');
  expect(await policyRow()).toEqual(before);

  const saved = await owner.request("/settings/call-policy", { form: { _csrf: owner.csrf, ...valid } });
  expect(saved.status).toBe(303);
  expect(await policyRow()).toEqual({
    calling_hours_start: 9 * 60,
    calling_hours_end: 17 * 60 + 30,
    calling_hours_guard: true,
    max_concurrent_calls: 4,
    dedupe_window_minutes: 15,
    default_retry: { on: ["no_answer"], max_attempts: 3, backoff_minutes: [10, 60] },
    policy_version: before.policy_version + 1,
  });
  const after = await owner.request("/settings/call-policy");
  expect(after.text).toContain("Call policy saved.");
  expect(after.text).toContain('value="10, 60"');
  // The other organisation's policy is its own, untouched.
  const stranger = client();
  await stranger.signIn(orgs[1]!.email);
  expect((await stranger.request("/settings/call-policy")).text).toContain('value="08:00"');
  const other = await suite.db.pool.query("SELECT max_concurrent_calls, calling_hours_guard FROM organizations WHERE id = $1", [orgs[1]!.orgId]);
  expect(other.rows[0]).toEqual({ max_concurrent_calls: 10, calling_hours_guard: false });

  // Back to the defaults the other tests expect (guard off, no redial).
  await owner.request("/settings/call-policy");
  const reset = { _csrf: owner.csrf, calling_hours_start: "08:00", calling_hours_end: "21:00", max_concurrent_calls: "10", dedupe_window_minutes: "0" };
  expect((await owner.request("/settings/call-policy", { form: reset })).status).toBe(303);
  expect(await policyRow()).toMatchObject({ calling_hours_guard: false, default_retry: null, dedupe_window_minutes: 0 });
});

test("do-not-call: adding a number cancels its scheduled call and says how many; the list is the organisation's own (another's user neither sees nor removes it); numbers stay out of URLs and the session", async () => {
  const number = "+14155550123";
  const agentId = (await suite.db.prisma.agent.findFirstOrThrow({ where: { orgId: orgs[0]!.orgId } })).id;
  const scheduledId = "call_dnc_scheduled";
  await suite.db.prisma.call.create({
    data: {
      id: scheduledId,
      orgId: orgs[0]!.orgId,
      agentId,
      contactNumber: number,
      creditsReserved: 1,
      status: "scheduled",
      notBefore: new Date(Date.now() + 3_600_000),
      dueAt: new Date(Date.now() + 3_600_000),
    },
  });
  const owner = client();
  await owner.signIn(orgs[0]!.email);
  await owner.request("/settings/do-not-call");
  expect((await owner.request("/settings/do-not-call", { form: { number } })).status).toBe(403);
  const invalid = await owner.request("/settings/do-not-call", { form: { _csrf: owner.csrf, number: "12" } });
  expect(invalid.status).toBe(400);
  expect(invalid.text).toMatch(/id="number"[^>]*aria-invalid="true" aria-describedby="number-error"/);
  expect(invalid.text).toContain('id="number-error">The number is missing its country code');
  expect((await suite.db.prisma.call.findUniqueOrThrow({ where: { id: scheduledId } })).status).toBe("scheduled");

  // Formatted as people type it: normalised to E.164 by the use case.
  const added = await owner.request("/settings/do-not-call", { form: { _csrf: owner.csrf, number: "+1 (415) 555-0123" } });
  expect(added.status).toBe(303);
  expect(added.location).toBe("/settings/do-not-call");
  expect((await suite.db.prisma.call.findUniqueOrThrow({ where: { id: scheduledId } })).status).toBe("canceled");
  expect((await suite.db.pool.query("SELECT number, source FROM opt_outs WHERE org_id = $1", [orgs[0]!.orgId])).rows).toEqual([
    { number, source: "dashboard" },
  ]);
  const list = await owner.request("/settings/do-not-call");
  expect(list.text).toContain("Number added to the do-not-call list: 1 pending call canceled.");
  expect(list.text).toContain(`<code>${number}</code>`);
  // The session (Redis) holds no number: the flash is number-free.
  const sessions = await suite.redis.keys(`${suite.prefix}:dashboard-session:*`);
  for (const key of sessions) expect((await suite.redis.get(key)) ?? "").not.toContain("4155550123");

  const stranger = client();
  await stranger.signIn(orgs[1]!.email);
  const theirs = await stranger.request("/settings/do-not-call");
  expect(theirs.text).not.toContain(number);
  expect(theirs.text).toContain("No numbers on the list.");
  const removeForeign = await stranger.request("/settings/do-not-call/remove", { form: { _csrf: stranger.csrf, number } });
  expect(removeForeign.status).toBe(404);
  expect(removeForeign.text).not.toContain(number);
  expect((await suite.db.pool.query("SELECT count(*)::int AS n FROM opt_outs WHERE org_id = $1", [orgs[0]!.orgId])).rows[0].n).toBe(1);

  // Added again: not an error, nothing more to cancel.
  const again = await owner.request("/settings/do-not-call", { form: { _csrf: owner.csrf, number } });
  expect(again.status).toBe(303);
  expect((await owner.request("/settings/do-not-call")).text).toContain("That number was already on the list: 0 pending calls canceled.");
  expect((await owner.request("/settings/do-not-call/remove", { form: { _csrf: owner.csrf, number } })).status).toBe(303);
  const emptied = await owner.request("/settings/do-not-call");
  expect(emptied.text).toContain("Number removed from the do-not-call list");
  expect(emptied.text).not.toContain(number);
  expect((await suite.db.pool.query("SELECT count(*)::int AS n FROM opt_outs WHERE org_id = $1", [orgs[0]!.orgId])).rows[0].n).toBe(0);
});

test("calls: the filter offers scheduled and expired; a scheduled call's page shows its schedule, attempts and window decisions, and it can be canceled", async () => {
  const agentId = (await suite.db.prisma.agent.findFirstOrThrow({ where: { orgId: orgs[0]!.orgId } })).id;
  const due = new Date("2030-01-02T16:00:00.000Z");
  const notAfter = new Date("2030-01-03T16:00:00.000Z");
  const callId = "call_scheduled_page";
  await suite.db.prisma.call.create({
    data: {
      id: callId,
      orgId: orgs[0]!.orgId,
      agentId,
      contactNumber: "+14155552671",
      creditsReserved: 1,
      status: "scheduled",
      notBefore: due,
      notAfter,
      dueAt: due,
      windowStart: 8 * 60,
      windowEnd: 21 * 60,
      timeZones: ["America/Los_Angeles"],
      retryPolicy: { on: ["no_answer", "voicemail"], max_attempts: 2, backoff_minutes: [30] },
      windowDecisions: [
        { at: "2030-01-02T10:00:00.000Z", attempt: 1, decision: "defer", reason: "calling_hours", until: due.toISOString() },
      ],
      dialAttempts: {
        create: [{ attempt: 1, outcome: "voicemail", startedAt: new Date("2030-01-02T09:00:00Z"), endedAt: new Date("2030-01-02T09:00:40Z") }],
      },
    },
  });
  const owner = client();
  await owner.signIn(orgs[0]!.email);
  const list = await owner.request("/calls?status=scheduled");
  expect(list.text).toContain('<option value="scheduled" selected>');
  expect(list.text).toContain('<option value="expired">');
  expect(list.text).toContain(`href="/calls/${callId}"`);
  expect(list.text).toContain('due <time datetime="2030-01-02T16:00:00.000Z">2030-01-02 16:00:00 UTC</time>');
  expect(list.text).not.toContain(`href="/calls/${orgs[0]!.callId}"`);

  const page = await owner.request(`/calls/${callId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('data-testid="due-at"><time datetime="2030-01-02T16:00:00.000Z">2030-01-02 16:00:00 UTC</time>');
  expect(page.text).toContain('data-testid="not-after"><time datetime="2030-01-03T16:00:00.000Z">');
  expect(page.text).toContain("08:00–21:00 local time");
  expect(page.text).toContain("America/Los_Angeles");
  expect(page.text).toContain("up to 2 attempts after no answer, voicemail, waiting 30 min");
  expect(page.text).toMatch(/<td>1<\/td><td><span class="badge voicemail">voicemail<\/span><\/td>/);
  expect(page.text).toContain("wait until <time datetime=\"2030-01-02T16:00:00.000Z\">2030-01-02 16:00:00 UTC</time> (outside calling hours)");
  expect(page.text).toContain('id="cancel-call"');

  const canceled = await owner.request(`/calls/${callId}/cancel`, { form: { _csrf: owner.csrf } });
  expect(canceled.status).toBe(303);
  const call = await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId } });
  expect(call.status).toBe("canceled");
  const after = await owner.request(`/calls/${callId}`);
  expect(after.text).toContain("Call has been canceled.");
  expect(after.text).not.toContain('id="cancel-call"');
});

test("repeated failed sign-ins are throttled: after the limit even the right password is refused with 429", async () => {
  const c = client();
  for (let i = 0; i < 3; i++) expect((await c.signIn(orgs[1]!.email, "wrong password")).status).toBe(401);
  const locked = await c.signIn(orgs[1]!.email);
  expect(locked.status).toBe(429);
  expect(locked.text).toContain("Too many failed sign-ins");
  // Another user is not locked out by it.
  expect((await client().signIn(orgs[0]!.email)).status).toBe(303);
});
