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
    await page.goto(`${s.dashboardUrl}/calls`);
    await page.screenshot({ path: path.join(out, "dashboard-calls.png"), fullPage: true });
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
