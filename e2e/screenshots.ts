import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { startReceiver } from "../packages/webhooks/src/test-support/receiver";
import globalSetup from "./global-setup";
import { stack } from "./stack";

/**
 * `pnpm screenshots`: starts the same stack as the browser tests (Docker), seeds a demo organisation with
 * calls of every outcome and some refused requests, and saves PNGs of the main pages under docs/.
 */
async function main(): Promise<void> {
  const teardown = await globalSetup();
  const s = stack();
  const org = s.orgs.calls;
  const out = path.resolve(__dirname, "..", "docs");
  mkdirSync(out, { recursive: true });
  const hook = (body: unknown) =>
    fetch(`${s.ingressUrl}/v1/hooks/${org.token}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  let lastCall = "";
  for (const number of ["+14155552671", "+14155550000", "+14155550001", "+14155550002", "+14155550003", "+919876543210"]) {
    const res = await hook({ action: "call.create", data: { agent_id: org.agentId, contact_number: number } });
    lastCall = ((await res.json()) as { call_id: string }).call_id;
  }
  await hook({ action: "call.create", data: { agent_id: org.agentId, contact_number: "not a number" } });
  await hook({ action: "call.cancel", data: { call_id: "call_unknown" } });
  await fetch(`${s.ingressUrl}/v1/hooks/${org.token}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{",
  });

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${s.dashboardUrl}/sign-in`);
    await page.screenshot({ path: path.join(out, "dashboard-sign-in.png") });
    await page.getByLabel("Email").fill(org.email);
    await page.getByLabel("Password").fill(s.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.goto(`${s.dashboardUrl}/calls/${lastCall}`);
    await page.getByTestId("call-status").getByText("completed").waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(out, "dashboard-call-timeline.png"), fullPage: true });
    await page.goto(`${s.dashboardUrl}/integrations/inbound-webhooks`);
    await page.screenshot({ path: path.join(out, "dashboard-inbound-webhooks.png"), fullPage: true });
    // Status webhooks: an endpoint at a loopback receiver, a test event delivered, and its attempt in the log.
    const receiver = await startReceiver(() => []);
    try {
      await page.goto(`${s.dashboardUrl}/integrations/status-webhooks`);
      await page.getByLabel("Endpoint URL").fill(receiver.url);
      await page.getByLabel("Description").fill("CRM status sync");
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await page.getByRole("link", { name: "Open the endpoint" }).click();
      await page.getByRole("button", { name: "Send test event" }).click();
      await page.locator("#attempts tbody tr").first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(out, "dashboard-status-webhook.png"), fullPage: true });
      // The list page, back from the endpoint (its signing secret was shown once, on the page after adding it).
      await page.goto(`${s.dashboardUrl}/integrations/status-webhooks`);
      await page.locator("#endpoints").waitFor();
      await page.screenshot({ path: path.join(out, "dashboard-status-webhooks.png"), fullPage: true });
    } finally {
      await receiver.close();
    }
    // API keys: two created (each shown once, not in the picture: the list is reloaded), one of them used, one revoked.
    for (const name of ["CRM sync", "Old reporting job"]) {
      await page.goto(`${s.dashboardUrl}/integrations/api-keys`);
      await page.getByLabel("Name").fill(name);
      await page.getByRole("button", { name: "Create key" }).click();
      const key = ((await page.locator("#api-key").textContent()) ?? "").trim();
      if (name === "CRM sync") await fetch(`${s.ingressUrl}/v1/calls?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
    }
    await page.getByRole("button", { name: "Revoke Old reporting job" }).click();
    await page.goto(`${s.dashboardUrl}/integrations/api-keys`);
    await page.screenshot({ path: path.join(out, "dashboard-api-keys.png"), fullPage: true });
    // Call orders: a policy set on its page (and a refused value, shown next to its field), a call scheduled
    // for later with a redial policy, and a do-not-call list whose newest number canceled a scheduled call.
    await page.goto(`${s.dashboardUrl}/settings/call-policy`);
    await page.getByLabel("Concurrent calls at most").fill("0");
    await page.getByRole("button", { name: "Save call policy" }).click();
    await page.getByRole("alert").waitFor();
    await page.screenshot({ path: path.join(out, "dashboard-call-policy-error.png"), fullPage: true });
    await page.getByLabel("From (local time)").fill("09:00");
    await page.getByLabel("Until (local time)").fill("20:00");
    await page.getByLabel("Apply calling hours (the guard)").check();
    await page.getByLabel("Concurrent calls at most").fill("5");
    await page.getByLabel("Same-recipient window (minutes)").fill("10");
    for (const outcome of ["no answer", "busy", "voicemail"]) await page.getByLabel(outcome).check();
    await page.getByLabel("Attempts in all (1–5)").fill("3");
    await page.getByLabel("Minutes before each redial").fill("10, 60");
    await page.getByRole("button", { name: "Save call policy" }).click();
    await page.getByRole("status").waitFor();
    await page.screenshot({ path: path.join(out, "dashboard-call-policy.png"), fullPage: true });
    const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
    const schedule = async (number: string) => {
      const res = await hook({
        action: "call.create",
        data: { agent_id: org.agentId, contact_number: number, not_before: inHours(3), not_after: inHours(27) },
      });
      return ((await res.json()) as { call_id: string }).call_id;
    };
    const scheduledCall = await schedule("+12125550147");
    await schedule("+13125550199");
    await page.goto(`${s.dashboardUrl}/calls/${scheduledCall}`);
    await page.getByTestId("due-at").waitFor();
    await page.screenshot({ path: path.join(out, "dashboard-call-scheduled.png"), fullPage: true });
    for (const number of ["+442071838750", "+13125550199"]) {
      await page.goto(`${s.dashboardUrl}/settings/do-not-call`);
      await page.getByLabel("Phone number, with its country code").fill(number);
      await page.getByRole("button", { name: "Add to the list" }).click();
      await page.getByRole("status").waitFor();
    }
    await page.screenshot({ path: path.join(out, "dashboard-do-not-call.png"), fullPage: true });
    // The calls list last: every outcome, a scheduled call with its due time, and the one the opt-out canceled.
    await page.goto(`${s.dashboardUrl}/calls`);
    await page.screenshot({ path: path.join(out, "dashboard-calls.png"), fullPage: true });
    await page.goto(`${s.dashboardUrl}/request-log`);
    await page.screenshot({ path: path.join(out, "dashboard-request-log.png"), fullPage: true });
    await page.goto(`${s.dashboardUrl}/usage`);
    await page.waitForFunction(() =>
      Boolean((globalThis as unknown as { Chart?: { getChart(id: string): unknown } }).Chart?.getChart("usage-chart")),
    );
    await page.screenshot({ path: path.join(out, "dashboard-usage.png"), fullPage: true });
    console.log(`screenshots saved in ${out}`);
  } finally {
    await browser.close();
    await teardown();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
