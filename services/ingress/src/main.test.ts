import { request } from "node:http";
import { createSuiteEnv, type ServiceProcess, type SuiteEnv, startProcess } from "@inbound/testing";
import { createBody, createTestOrg, type HttpResponse, send, type TestOrg } from "./test-support/harness";

let suite: SuiteEnv;
let org: TestOrg;

beforeAll(async () => {
  suite = await createSuiteEnv();
  org = await createTestOrg(suite.db, { credits: 100 });
});

afterAll(async () => {
  await suite?.close();
});

const LISTENING = /listening on (\d+) \(internal: [^)]* on (\d+)\)/;

async function start(env: Record<string, string> = {}): Promise<{ proc: ServiceProcess; url: string; internalUrl: string }> {
  const proc = startProcess("services/ingress/src/main.ts", { ...suite.env, LOG_LEVEL: "info", ...env });
  const line = await proc.waitFor(LISTENING, 30_000);
  const [, port, internalPort] = LISTENING.exec(line) ?? [];
  return { proc, url: `http://127.0.0.1:${port}`, internalUrl: `http://127.0.0.1:${internalPort}` };
}

/** A request whose headers and first half of the body are sent; the rest goes out when finish() is called. */
function halfSent(url: string, body: string) {
  const { hostname, port } = new URL(url);
  const bytes = Buffer.from(body);
  let resolveResponse: (r: HttpResponse) => void = () => undefined;
  let rejectResponse: (e: Error) => void = () => undefined;
  const response = new Promise<HttpResponse>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const req = request(
    {
      host: hostname,
      port,
      path: `/v1/hooks/${org.token}`,
      method: "POST",
      agent: false,
      headers: { "Content-Type": "application/json", "Content-Length": String(bytes.length) },
    },
    (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, text, body: text ? JSON.parse(text) : undefined });
      });
    },
  );
  req.on("error", rejectResponse);
  req.flushHeaders();
  req.write(bytes.subarray(0, 10));
  return {
    response,
    finish: () => req.end(bytes.subarray(10)),
  };
}

test("the real process: listens, is ready, serves webhooks, logs JSON lines without the token", async () => {
  const { proc, url, internalUrl } = await start();
  try {
    expect((await send(url, "/healthz", { method: "GET" })).status).toBe(200);
    expect((await send(internalUrl, "/readyz", { method: "GET" })).status).toBe(200);
    const res = await send(url, `/v1/hooks/${org.token}`, { body: createBody(org.agentId, { contact_name: "Priya Nair" }) });
    expect(res.status).toBe(201);
    const metrics = await send(internalUrl, "/metrics", { method: "GET" });
    expect(metrics.text).toContain('route="/v1/hooks/:token",status="201"');
    // Not on the public webhook port.
    expect((await send(url, "/metrics", { method: "GET" })).status).toBe(404);
    expect((await send(url, "/readyz", { method: "GET" })).status).toBe(404);
  } finally {
    expect((await proc.stop("SIGTERM")).code).toBe(0);
  }
  const output = proc.output();
  expect(output).toMatch(/"msg":"request"/);
  expect(output).not.toContain(org.token);
  expect(output).not.toContain("Priya Nair");
});

test("SIGTERM drains: requests in flight get their answers, new connections are refused, exit code 0", async () => {
  const { proc, url } = await start();
  const inFlight = Array.from({ length: 4 }, () => halfSent(url, JSON.stringify(createBody(org.agentId))));
  // A complete request on another connection: by its answer, the server has accepted the half-sent ones.
  expect((await send(url, "/healthz", { method: "GET" })).status).toBe(200);

  proc.child.kill("SIGTERM");
  await proc.waitFor(/ingress draining/);
  await expect(send(url, "/healthz", { method: "GET" })).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);

  for (const r of inFlight) r.finish();
  const responses = await Promise.all(inFlight.map((r) => r.response));
  expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
  for (const r of responses) expect(r.body.call_id).toMatch(/^call_/);
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  expect(await suite.db.prisma.call.count({ where: { id: { in: responses.map((r) => r.body.call_id) } } })).toBe(4);
});

test("SIGTERM with a request that never completes: the process still exits 0 after SHUTDOWN_TIMEOUT_MS", async () => {
  const { proc, url } = await start({ SHUTDOWN_TIMEOUT_MS: "1000" });
  const stalled = halfSent(url, JSON.stringify(createBody(org.agentId)));
  stalled.response.catch(() => undefined);
  expect((await send(url, "/healthz", { method: "GET" })).status).toBe(200);
  const started = Date.now();
  proc.child.kill("SIGTERM");
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(8000);
});

test("a bad configuration value stops the process at start with a message naming the variable", async () => {
  const proc = startProcess("services/ingress/src/main.ts", { ...suite.env, INGRESS_PORT: "not-a-port" });
  const { code } = await proc.exited;
  expect(code).not.toBe(0);
  expect(proc.output()).toContain("INGRESS_PORT");
});
