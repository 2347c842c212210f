import { freePort } from "@inbound/testing";
import { runAdmin } from "../../../admin/src/test-support";
import { createTestOrg } from "../test-support/harness";
import { create, createFaultEnv, type FaultEnv } from "./fault-env";

/**
 * Fault: an operator rotates a token (or the signing secret) while Redis is unreachable from the admin
 * CLI. Must hold: either nothing changed (the old URL still works), or the new token is printed and works;
 * never a customer left without a working credential.
 */
let env: FaultEnv;

beforeAll(async () => {
  env = await createFaultEnv();
});
afterAll(() => env?.close());

test("token rotate and signing enable with Redis down change nothing: the old URL keeps answering 201, unsigned", async () => {
  const org = await createTestOrg(env.suite.db, { credits: 10 });
  const ingress = await env.ingress();
  expect((await create(ingress.url, org.token, org.agentId)).status).toBe(201);
  const down = { ...env.suite.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_TIMEOUT_MS: "500" };
  for (const args of [
    ["token", "rotate", "--org", org.orgId, "--json"],
    ["signing", "enable", "--org", org.orgId, "--json"],
  ]) {
    const run = await runAdmin(down, args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^admin: nothing was changed: Redis at .* did not answer/);
  }
  expect((await create(ingress.url, org.token, org.agentId)).status).toBe(201);

  // With Redis back, the same command completes, prints the new token, and only the new one works.
  const run = await runAdmin(env.suite.env, ["token", "rotate", "--org", org.orgId, "--json"]);
  expect(run.code).toBe(0);
  const { webhook_token } = JSON.parse(run.stdout) as { webhook_token: string };
  expect((await create(ingress.url, org.token, org.agentId)).status).toBe(401);
  expect((await create(ingress.url, webhook_token, org.agentId)).status).toBe(201);
});
