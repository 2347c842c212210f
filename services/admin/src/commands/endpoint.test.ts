import { createOrganization } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv({ SECRETS_KEY: "cd".repeat(32) });
});
afterAll(() => suite.close());

test("endpoint create / list / update / disable / rotate-secret / test / attempts / resend / recover through the real CLI", async () => {
  const { org_id } = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });
  // Not in development: http is refused with a usage error, and nothing is stored.
  expect(expectFailure(await runAdmin(suite.env, ["endpoint", "create", "--org", org_id, "--url", "http://example.com/h", "--json"]), 2)).toMatch(/https/);
  expect(expectFailure(await runAdmin(suite.env, ["endpoint", "create", "--org", org_id, "--url", "https://example.com/h", "--events", "call.bogus"]), 2)).toMatch(/call\.bogus/);

  const created = expectJson<{ id: string; secret: string; event_types: string[]; enabled: boolean }>(
    await runAdmin(suite.env, ["endpoint", "create", "--org", org_id, "--url", "https://example.com/h", "--events", "call.completed,call.failed", "--json"]),
  );
  expect(created).toMatchObject({ event_types: ["call.completed", "call.failed"], enabled: true });
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const stored = await suite.db.pool.query("SELECT count(*)::int AS n FROM webhook_endpoint_secrets s WHERE position($1 in s::text) > 0", [created.secret]);
  expect(stored.rows[0].n).toBe(0); // sealed, never in clear

  const listed = expectJson<{ endpoints: { id: string }[] }>(await runAdmin(suite.env, ["endpoint", "list", "--org", org_id, "--json"]));
  expect(listed.endpoints.map((e) => e.id)).toEqual([created.id]);
  expect(JSON.stringify(listed)).not.toContain(created.secret);

  const sent = expectJson<{ message_id: string }>(await runAdmin(suite.env, ["endpoint", "test", "--endpoint", created.id, "--json"]));
  const disabled = expectJson(await runAdmin(suite.env, ["endpoint", "disable", "--endpoint", created.id, "--json"]));
  expect(disabled).toMatchObject({ enabled: false, disabled_reason: "manual" });
  const log = expectJson<{ messages: { id: string; status: string; last_error: string }[] }>(
    await runAdmin(suite.env, ["endpoint", "attempts", "--endpoint", created.id, "--json"]),
  );
  expect(log.messages).toEqual([expect.objectContaining({ id: sent.message_id, status: "failed", last_error: "endpoint_disabled" })]);

  expect(expectJson(await runAdmin(suite.env, ["endpoint", "update", "--endpoint", created.id, "--enabled", "true", "--events", "all", "--json"]))).toMatchObject({
    enabled: true,
    disabled_reason: null,
    event_types: [],
  });
  expect(expectJson(await runAdmin(suite.env, ["endpoint", "recover", "--endpoint", created.id, "--since", "2000-01-01T00:00:00Z", "--json"]))).toEqual({
    endpoint_id: created.id,
    recovered: 1,
  });
  expect(expectJson(await runAdmin(suite.env, ["endpoint", "resend", "--message", sent.message_id, "--json"]))).toEqual({
    message_id: sent.message_id,
    status: "pending",
  });
  const rotated = expectJson<{ secret: string; previous_valid_until: string }>(
    await runAdmin(suite.env, ["endpoint", "rotate-secret", "--endpoint", created.id, "--grace-minutes", "30", "--json"]),
  );
  expect(rotated.secret).not.toBe(created.secret);
  expect(Date.parse(rotated.previous_valid_until) - Date.now()).toBeGreaterThan(29 * 60_000);
  expect(expectFailure(await runAdmin(suite.env, ["endpoint", "test", "--endpoint", "we_nope", "--json"]), 1)).toMatch(/we_nope not found/);
}, 240_000); // 14 CLI processes
