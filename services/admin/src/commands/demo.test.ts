import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { createWebhookValidator } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectJson, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

let suite: SuiteEnv;
let server: Server;
let baseUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  suite = await createSuiteEnv();
  // Stands in for the ingress: proves the printed curl commands send what they should, pasted into a shell.
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" }).end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await suite.close();
});

interface DemoOutput {
  org_id: string;
  agent_id: string;
  webhook_token: string;
  webhook_url: string;
  create_call_curl: string;
  cancel_call_curl: string;
  watch_command: string;
}

describe("demo", () => {
  it("creates a funded organisation and an agent and prints curl commands that work when pasted", async () => {
    const env = { ...suite.env, PUBLIC_BASE_URL: `${baseUrl}/`, DEFAULT_DAILY_QUOTA: "321" };
    const demo = expectJson<DemoOutput>(await runAdmin(env, ["demo", "--json"]));

    const org = await suite.db.prisma.organization.findUniqueOrThrow({
      where: { id: demo.org_id },
      include: { agents: true, tokens: true },
    });
    expect(org).toMatchObject({ credits: 100, dailyQuota: 321, signatureVerification: false, callingHoursGuard: false });
    // SPEC §9: the demo's guard is off, and that choice is recorded.
    expect(org.callingHoursGuardChangedAt).not.toBeNull();
    expect(org.agents.map((a) => a.id)).toEqual([demo.agent_id]);
    expect(org.tokens.map((t) => t.tokenHash)).toEqual([createHash("sha256").update(demo.webhook_token).digest("hex")]);
    expect(demo.webhook_url).toBe(`${baseUrl}/v1/hooks/${demo.webhook_token}`);
    expect(demo.watch_command).toBe("pnpm admin call show --call <call_id>");

    const run = promisify(execFile);
    await run("sh", ["-c", demo.create_call_curl]);
    await run("sh", ["-c", demo.cancel_call_curl]);
    expect(received).toHaveLength(2);
    const [create, cancel] = received as [Received, Received];
    for (const request of [create, cancel]) {
      expect(request).toMatchObject({ method: "POST", url: `/v1/hooks/${demo.webhook_token}` });
      expect(request.headers["content-type"]).toBe("application/json");
    }

    // The create body passes the real webhook validation (the ingress's ajv schemas and phone check).
    const validate = createWebhookValidator();
    const createBody: unknown = JSON.parse(create.body);
    expect(validate(createBody)).toEqual({
      action: "call.create",
      data: {
        agent_id: demo.agent_id,
        contact_number: "+14155552671",
        contact_name: expect.any(String),
        additional_info: expect.any(Object),
      },
    });
    expect(JSON.parse(cancel.body)).toEqual({ action: "call.cancel", data: { call_id: "<call_id>" } });
  });

  it("prints the same for a person without --json", async () => {
    const run = await runAdmin({ ...suite.env, PUBLIC_BASE_URL: "https://calls.example.test" }, ["demo"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const token = run.stdout.match(/Webhook token \(shown once\): (whk_\S+)/)?.[1];
    expect(token).toBeDefined();
    expect(run.stdout).toContain(`curl -sS -X POST 'https://calls.example.test/v1/hooks/${token}'`);
    expect(run.stdout).toContain('"action":"call.create"');
    expect(run.stdout).toContain('"action":"call.cancel"');
    expect(run.stdout).toContain("pnpm admin call show --call <call_id>");
    expect(await suite.db.prisma.organization.count()).toBe(2);
  });

  it("run in the compose stack: hints use `docker compose run --rm migrate admin`, never pnpm, and the published port", async () => {
    const env = { ...suite.env, ADMIN_HINTS: "compose", INGRESS_PUBLISHED_PORT: "8088", PUBLIC_BASE_URL: "" };
    const demo = expectJson<DemoOutput>(await runAdmin(env, ["demo", "--json"]));
    expect(demo.webhook_url).toBe(`http://localhost:8088/v1/hooks/${demo.webhook_token}`);
    expect(demo.watch_command).toBe("docker compose run --rm migrate admin call show --call <call_id>");
    const text = await runAdmin(env, ["demo"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("docker compose up -d");
    expect(text.stdout).toContain("http://localhost:8088/v1/hooks/");
    expect(text.stdout).not.toMatch(/pnpm/);
  });
});
