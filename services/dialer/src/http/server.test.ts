import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { newId } from "@inbound/contracts";
import { createQueues, enqueueCall, enqueuePurge, type Queues } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { Registry } from "prom-client";
import { createProbeServer, type ProbeServerDeps } from "./server";

/** The probe server with and without an admin key, over this suite's real queues in Redis. */
const ADMIN_KEY = "k3y-0f-th3-d1al3r-admin-7f2c9a";
let suite: SuiteEnv;
let queues: Queues;
const servers: Server[] = [];

beforeAll(async () => {
  suite = await createSuiteEnv();
  queues = createQueues(suite.redis, suite.prefix);
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await queues?.close();
  await suite?.close();
});

async function start(overrides: Partial<ProbeServerDeps> = {}): Promise<string> {
  const registry = new Registry();
  const server = createProbeServer({
    registry,
    checkReady: async () => ({ postgres: true, redis: true }),
    ...overrides,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const withAdmin = () => start({ admin: { key: ADMIN_KEY, queues: [queues.calls, queues.purges] } });

describe("probes (unchanged by the move to Express)", () => {
  test("/healthz 200, /readyz 200 or 503 with its checks, 404 and 405 as JSON", async () => {
    let ready = { postgres: true, redis: true };
    const url = await start({ checkReady: async () => ready });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("content-type")).toBe("application/json");
    expect(await health.json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: "ready", checks: ready });
    ready = { postgres: true, redis: false };
    const down = await fetch(`${url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await down.json()).toEqual({
      success: false,
      error: { code: "service_unavailable", message: "Not ready: redis unavailable." },
      checks: ready,
    });
    expect((await fetch(`${url}/healthz`, { method: "HEAD" })).status).toBe(200);
    const post = await fetch(`${url}/healthz`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ status: "method_not_allowed" });
    for (const path of ["/nope", "/Healthz", "/healthz/"]) {
      const res = await fetch(`${url}${path}`);
      expect({ path, status: res.status, body: await res.json() }).toEqual({ path, status: 404, body: { status: "not_found" } });
    }
    expect(health.headers.get("x-powered-by")).toBeNull();
  });

  test("METRICS_ENABLED=false (no registry given): /metrics is not served, the probes still are", async () => {
    const withMetrics = await start();
    expect((await fetch(`${withMetrics}/metrics`)).status).toBe(200);
    const without = await start({ registry: undefined });
    expect((await fetch(`${without}/metrics`)).status).toBe(404);
    expect((await fetch(`${without}/healthz`)).status).toBe(200);
  });

  test("/readyz answers 503 when the check itself fails", async () => {
    const url = await start({ checkReady: async () => Promise.reject(new Error("boom")) });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      success: false,
      error: { code: "service_unavailable", message: "Not ready: readiness check unavailable." },
      checks: {},
    });
  });
});

describe("Bull Board at /admin/queues", () => {
  test("without ADMIN_KEY it is not mounted: 404 with or without credentials", async () => {
    const url = await start();
    for (const headers of [{}, { authorization: `Bearer ${ADMIN_KEY}` }]) {
      for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
        const res = await fetch(`${url}${path}`, { headers });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    }
  });

  test("a missing or wrong key: 401 with a Basic challenge, and the key is never echoed", async () => {
    const url = await withAdmin();
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${ADMIN_KEY.slice(0, -1)}` },
      { authorization: `Bearer ${ADMIN_KEY}x` },
      { authorization: "Bearer " },
      { authorization: basic("admin", "wrong-key-wrong-key") },
      { authorization: basic(ADMIN_KEY, "") }, // the key as the user name is not the password
      { authorization: `Basic ${Buffer.from(ADMIN_KEY).toString("base64")}` }, // no colon
      { authorization: `Token ${ADMIN_KEY}` },
      { authorization: ADMIN_KEY },
    ];
    for (const headers of attempts) {
      for (const path of ["/admin/queues", "/admin/queues/api/queues", "/admin/queues/static/favicon-32x32.png"]) {
        const res = await fetch(`${url}${path}`, { headers });
        const text = await res.text();
        expect({ headers, path, status: res.status }).toEqual({ headers, path, status: 401 });
        expect(res.headers.get("www-authenticate")).toBe('Basic realm="dialer"');
        expect(text).not.toContain(ADMIN_KEY.slice(4, 20));
      }
    }
    // Actions are refused before they reach the board, too.
    const pause = await fetch(`${url}/admin/queues/api/queues/pause`, { method: "PUT" });
    expect(pause.status).toBe(401);
    expect(await queues.calls.isPaused()).toBe(false);
  });

  test("with the key (Bearer or Basic password): the HTML page, and the JSON API lists both queues and their jobs", async () => {
    const url = await withAdmin();
    const callId = newId("call");
    const orgId = newId("org");
    await enqueueCall(queues, { callId, orgId });
    await enqueuePurge(queues, { callId, orgId }, 3);

    for (const authorization of [`Bearer ${ADMIN_KEY}`, basic("ops", ADMIN_KEY), basic("", ADMIN_KEY)]) {
      const page = await fetch(`${url}/admin/queues`, { headers: { authorization } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("cache-control")).toBe("no-store");
      const html = await page.text();
      expect(html).toContain("Dialer queues");
      expect(html).toContain("/admin/queues/");
      expect(html).not.toContain(ADMIN_KEY);
    }
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };

    // A deep link into the board (the browser reloads on it) serves the page as well.
    expect((await fetch(`${url}/admin/queues/queue/calls`, { headers: auth })).status).toBe(200);

    const api = await fetch(`${url}/admin/queues/api/queues?activeQueue=calls&status=waiting&page=1&jobsPerPage=10`, {
      headers: auth,
    });
    expect(api.status).toBe(200);
    const text = await api.text();
    const body = JSON.parse(text) as {
      queues: {
        name: string;
        readOnlyMode: boolean;
        counts: Record<string, number>;
        description: string;
        jobs: { id: string; data: unknown }[];
      }[];
    };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["calls", "purges"]);
    const calls = body.queues.find((q) => q.name === "calls")!;
    expect(calls.readOnlyMode).toBe(true);
    expect(calls.counts.waiting).toBe(1);
    expect(calls.description).toContain(`${suite.prefix}:calls`);
    expect(calls.jobs).toEqual([expect.objectContaining({ id: callId, data: { orgId } })]);
    expect(body.queues.find((q) => q.name === "purges")!.counts.waiting).toBe(1);
    // Nothing secret on the way out: not the key, not the connection strings.
    for (const secret of [ADMIN_KEY, suite.databaseUrl, suite.config.SECRETS_KEY]) expect(text).not.toContain(secret);

    // Read-only: a person can look, not pause, empty or obliterate.
    const empty = await fetch(`${url}/admin/queues/api/queues/calls/empty`, { method: "PUT", headers: auth });
    expect(empty.status).toBe(405);
    expect(await empty.text()).toContain("QUEUE_READ_ONLY");
    const pause = await fetch(`${url}/admin/queues/api/queues/calls/pause`, { method: "PUT", headers: auth });
    expect(pause.status).toBe(405);
    expect(await pause.text()).toContain("QUEUE_READ_ONLY");
    expect(await queues.calls.getJobState(callId)).toBe("waiting");
    expect(await queues.calls.isPaused()).toBe(false);
  });
});
