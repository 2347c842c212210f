import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createDashboardUser } from "@inbound/db";
import { createSuiteEnv, freePort, type ServiceProcess, startProcess } from "@inbound/testing";
import containersSetup, { stopContainers } from "../packages/testing/src/global-setup";
import { seedOrg } from "./seed";
import { STATE_FILE, type StackState } from "./stack";

/**
 * Postgres and Redis (Testcontainers, as jest uses), a migrated database, six seeded organisations, and the
 * real ingress, dialer and dashboard processes. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await containersSetup();
  // Calls seeded straight into Postgres stay queued (the reconciler would enqueue them after RECONCILE_AFTER_MS);
  // a call created through the webhook rings and talks for a second or so, so the timeline can be watched.
  const suite = await createSuiteEnv({
    RECONCILE_AFTER_MS: "600000",
    SIM_RING_MS: "800",
    SIM_TALK_MS: "1200",
    SIGNIN_MAX_FAILURES: "3",
    // Status webhooks to the test's own loopback receiver (the dialer runs the delivery worker).
    WEBHOOK_ALLOW_INSECURE: "true",
  });
  const password = "e2e password 1234";
  const orgs = {
    inbound: await seedOrg(suite.db, { name: "Acme", email: "ada@acme.example", password }),
    calls: await seedOrg(suite.db, { name: "Calls Co", email: "carl@calls.example", password }),
    other: await seedOrg(suite.db, { name: "Globex", email: "gina@globex.example", password }),
    throttled: await seedOrg(suite.db, { name: "Initech", email: "tom@initech.example", password }),
    hooks: await seedOrg(suite.db, { name: "Hooli", email: "hank@hooli.example", password }),
    orders: await seedOrg(suite.db, { name: "Umbrella", email: "una@umbrella.example", password }),
  };
  // A user invited as `pnpm admin user create` does: no password yet, a one-time set-password token.
  const invited = await createDashboardUser(suite.db.prisma, { orgId: orgs.other.orgId, email: "ivy@globex.example" });
  const invite = { email: invited.email, token: invited.setup_token as string };
  const [ingressPort, dashboardPort] = [await freePort(), await freePort()];
  const env = { ...suite.env, LOG_LEVEL: "info", INGRESS_PORT: String(ingressPort), DASHBOARD_PORT: String(dashboardPort) };
  const processes: ServiceProcess[] = [];
  const logs: { name: string; proc: ServiceProcess }[] = [];
  const start = async (entry: string, ready: RegExp) => {
    const proc = startProcess(entry, env);
    processes.push(proc);
    logs.push({ name: path.basename(path.dirname(path.dirname(entry))), proc });
    await proc.waitFor(ready, 90_000);
  };
  try {
    await Promise.all([
      start("services/ingress/src/main.ts", /listening on \d+/),
      start("services/dialer/src/main.ts", /"msg":"dialer ready"/),
      start("services/dashboard/src/main.ts", /dashboard listening/),
    ]);
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop("SIGKILL")));
    throw error;
  }
  const state: StackState = {
    ingressUrl: `http://127.0.0.1:${ingressPort}`,
    dashboardUrl: `http://localhost:${dashboardPort}`,
    databaseUrl: suite.databaseUrl,
    password,
    orgs,
    invite,
  };
  mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));

  return async () => {
    await Promise.all(processes.map((p) => p.stop("SIGTERM")));
    // The services' logs, for a failed run (e2e/.results/<service>.log).
    for (const { name, proc } of logs) writeFileSync(path.join(path.dirname(STATE_FILE), `${name}.log`), proc.output());
    await suite.close();
    await stopContainers();
  };
}
