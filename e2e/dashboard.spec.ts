import { createHmac } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Locator, type Page, test } from "@playwright/test";
import { startReceiver } from "../packages/webhooks/src/test-support/receiver";
import { stack } from "./stack";

const s = stack();

/** Zero serious or critical axe violations on the page as it is now. */
const failedResources: string[] = [];

async function expectAccessible(page: Page): Promise<void> {
  expect(failedResources).toEqual([]);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** In the page: is this element the focused one, and is its focus drawn (an outline a keyboard user can see)? */
function focusState(el: unknown): { focused: boolean; outline: string } {
  const w = globalThis as unknown as {
    document: { activeElement: unknown };
    getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
  };
  const style = w.getComputedStyle(el);
  return { focused: w.document.activeElement === el, outline: `${style.outlineStyle} ${style.outlineWidth}` };
}

/**
 * Keyboard only: presses Tab from where the focus is until `target` has it (it must be reachable within
 * maxTabs, in the page's order), and checks the focus is visible.
 */
async function tabTo(page: Page, target: Locator, maxTabs = 40): Promise<void> {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    const state = await target.evaluate(focusState);
    if (state.focused) {
      expect(state.outline).not.toMatch(/^none|\b0px$/);
      return;
    }
  }
  throw new Error(`${target.toString()} not reached with ${maxTabs} presses of Tab`);
}

async function signIn(page: Page, email: string): Promise<void> {
  // Any script, stylesheet or htmx request that fails (a 404, a 503) is reported by expectAccessible.
  page.on("response", (response) => {
    const type = response.request().resourceType();
    if (["script", "stylesheet", "image", "xhr", "fetch"].includes(type) && response.status() >= 400) {
      failedResources.push(`${response.status()} ${response.url()}`);
    }
  });
  await page.goto(`${s.dashboardUrl}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(s.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Calls", level: 1 })).toBeVisible();
}

async function postHook(token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.ingressUrl}/v1/hooks/${token}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const createBody = (agentId: string, number = "+14155552671") => ({
  action: "call.create",
  data: { agent_id: agentId, contact_number: number },
});

test("Inbound Webhooks: regenerate by keyboard (old URL 401, new 201), turn signing on and send a signed request, find the 401 in the request log", async ({
  page,
}) => {
  const org = s.orgs.inbound;
  await signIn(page, org.email);
  await expectAccessible(page);
  await page.getByRole("link", { name: "Inbound Webhooks" }).click();
  await expect(page.getByRole("heading", { name: "Inbound Webhooks" })).toBeVisible();
  // Masked: only the display prefix of the token is on the page.
  await expect(page.locator("#masked-url")).toContainText(`${org.token.slice(0, 10)}•`);
  await expect(page.locator("body")).not.toContainText(org.token);
  await expectAccessible(page);

  // Keyboard only: Tab to the link, Enter; the confirmation warns; Tab to the button, Enter.
  await tabTo(page, page.getByRole("link", { name: "Regenerate token…" }));
  await page.keyboard.press("Enter");
  await expect(page.getByText("The current URL stops working at once.")).toBeVisible();
  await expectAccessible(page);
  await tabTo(page, page.getByRole("button", { name: "Regenerate token" }));
  await page.keyboard.press("Enter");
  const newUrl = (await page.locator("#new-url").textContent()) ?? "";
  expect(newUrl).toMatch(/\/v1\/hooks\/whk_/);
  const newToken = newUrl.split("/v1/hooks/")[1] as string;
  await expectAccessible(page);

  expect((await postHook(org.token, createBody(org.agentId))).status).toBe(401);
  const created = await postHook(newToken, createBody(org.agentId));
  expect(created.status).toBe(201);

  // Shown once: reloading the page shows only the masked URL.
  await page.goto(`${s.dashboardUrl}/integrations/inbound-webhooks`);
  await expect(page.locator("body")).not.toContainText(newToken);

  await page.getByRole("button", { name: "Turn signature verification on" }).click();
  const secret = ((await page.locator("#signing-secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^whsec_/);
  await expect(page.locator("#signing-state")).toHaveText("On");
  await expect(page.locator("#openssl-recipe")).toContainText(secret);

  const raw = JSON.stringify(createBody(org.agentId));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", secret).update(`${timestamp}.${raw}`).digest("hex");
  const signed = await postHook(newToken, raw, { "X-Inbound-Timestamp": timestamp, "X-Inbound-Signature": signature });
  expect(signed.status).toBe(201);
  const unsigned = await postHook(newToken, raw, { "X-Request-Id": "e2e-unsigned-1" });
  expect(unsigned.status).toBe(401);

  await page.getByRole("link", { name: "Request log" }).click();
  const row = page.locator("#request-log tr", { hasText: "e2e-unsigned-1" });
  // The log is written in batches off the request path: reload until the row is there.
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(row).toContainText("401");
  await expect(row).toContainText("missing_signature");
  await expect(row).toContainText("not verified");
  await expect(page.locator("#request-log tr", { hasText: "verified" }).first()).toBeVisible();
  const text = await page.content();
  expect(text).not.toContain(newToken);
  expect(text).not.toContain(org.token);
  expect(text).not.toContain(secret);
  expect(text).not.toContain(signature);
  expect(text).not.toContain("+14155552671");
  await expectAccessible(page);
});

test("Status webhooks: add an endpoint at a loopback receiver (secret shown once), send a test event, see the attempt, resend it", async ({
  page,
}) => {
  let secret = "";
  const receiver = await startReceiver(() => [secret]);
  try {
    await signIn(page, s.orgs.hooks.email);
    await page.getByRole("link", { name: "Status webhooks" }).click();
    await expect(page.locator("#no-endpoints")).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByLabel("Description").fill("e2e receiver");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    secret = ((await page.locator("#endpoint-secret").textContent()) ?? "").trim();
    expect(secret).toMatch(/^whsec_/);
    await expect(page.locator("#endpoints")).toContainText(receiver.url);
    await expectAccessible(page);

    await page.getByRole("link", { name: "Open the endpoint" }).click();
    await expect(page.locator("body")).not.toContainText(secret);
    await page.getByRole("button", { name: "Send test event" }).click();
    // The delivery worker posts it; the log panel refreshes itself (htmx) until the attempt is there.
    const attempts = page.locator("#attempts tbody tr");
    await expect(attempts).toHaveCount(1);
    await expect(attempts.first()).toContainText("webhook.test");
    await expect(attempts.first()).toContainText("204");
    expect(receiver.received.map((r) => [r.json.type, r.verifiedWith.length])).toEqual([["webhook.test", 1]]);
    await expectAccessible(page);

    await page.getByRole("button", { name: /^Resend message/ }).click();
    await expect(attempts).toHaveCount(2);
    await expect(attempts.first()).toContainText("204");
    expect(receiver.received).toHaveLength(2);
    // Same message, same webhook-id: the receiver can dedupe.
    expect(receiver.received[1]?.id).toBe(receiver.received[0]?.id);
    await expectAccessible(page);
  } finally {
    await receiver.close();
  }
});

test("Calls: watch a webhook call reach completed, delete it, cancel a queued call by keyboard, filter; Usage chart", async ({
  page,
}) => {
  const org = s.orgs.calls;
  await signIn(page, org.email);
  const created = await postHook(org.token, createBody(org.agentId));
  expect(created.status).toBe(201);
  const callId = created.body.call_id as string;

  await page.getByLabel("Call id").fill(callId);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: callId }).click();
  await expect(page.getByRole("heading", { name: `Call ${callId}` })).toBeVisible();
  await expectAccessible(page);
  // htmx refreshes the timeline while the call is live.
  await expect(page.getByTestId("call-status")).toHaveText("completed", { timeout: 30_000 });
  const timeline = page.getByRole("list", { name: "Timeline" });
  for (const status of ["queued", "dialing", "ringing", "in progress", "completed"]) await expect(timeline).toContainText(status);

  await page.getByRole("link", { name: "Delete call…" }).click();
  await expect(page.getByText("It cannot be undone")).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: "Delete call" }).click();
  await expect(page.getByRole("status")).toHaveText("Call has been deleted.");
  await expect(page.getByRole("link", { name: callId })).toHaveCount(0);
  await page.goto(`${s.dashboardUrl}/calls/${callId}`);
  await expect(page.getByRole("heading", { name: "Call not found" })).toBeVisible();
  await expectAccessible(page);
  // The webhook agrees: the call is gone.
  expect((await postHook(org.token, { action: "call.delete", data: { call_id: callId } })).status).toBe(404);

  // Cancel a queued call with the keyboard only. The page of a live call refreshes itself every second
  // (htmx): the focus must survive a refresh, or a keyboard user could never reach the button.
  await page.goto(`${s.dashboardUrl}/calls/${org.queuedCallId}`);
  await expect(page.getByTestId("call-status")).toHaveText("queued");
  const cancelButton = page.getByRole("button", { name: "Cancel call" });
  await tabTo(page, cancelButton);
  await page.waitForResponse((r) => r.url().endsWith(`/calls/${org.queuedCallId}`) && r.request().method() === "GET");
  await expect.poll(async () => (await cancelButton.evaluate(focusState)).focused).toBe(true);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Call has been canceled.");
  await expect(page.getByTestId("call-status")).toHaveText("canceled");
  // The §2 rule and message for a call that is no longer queued: the webhook answers 409 naming its status.
  const again = await postHook(org.token, { action: "call.cancel", data: { call_id: org.queuedCallId } });
  expect(again.status).toBe(409);
  expect((again.body.error as { status: string }).status).toBe("canceled");

  await page.getByRole("link", { name: "Calls", exact: true }).click();
  await page.getByLabel("Status").selectOption("canceled");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("link", { name: org.queuedCallId })).toBeVisible();
  await expect(page.locator("#calls-table tbody tr")).toHaveCount(1);
  await expectAccessible(page);

  await page.getByRole("link", { name: "Usage" }).click();
  await expect(page.getByTestId("calls-24h")).toHaveText("2");
  await expect(page.getByTestId("quota-used")).not.toHaveText("0");
  // Chart.js drew into the canvas (it sizes it and keeps an instance on it).
  await expect
    .poll(() =>
      page.evaluate(() =>
        Boolean((globalThis as unknown as { Chart?: { getChart(id: string): unknown } }).Chart?.getChart("usage-chart")),
      ),
    )
    .toBe(true);
  await expectAccessible(page);

  // API keys: create one (shown once), prove it works over real HTTP, revoke it, prove it is refused.
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel("Name").fill("e2e key");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.locator("#new-api-key");
  await expect(shown).toBeVisible();
  const apiKey = ((await page.locator("#api-key").textContent()) ?? "").trim();
  expect(apiKey).toMatch(/^sk_/);
  await expectAccessible(page);
  const listCalls = () => fetch(`${s.ingressUrl}/v1/calls?limit=1`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect((await listCalls()).status).toBe(200);
  await page.getByRole("button", { name: "Revoke e2e key" }).click();
  await expect(page.getByText("API key revoked")).toBeVisible();
  await expect(page.locator("#api-keys")).toContainText("Revoked");
  expect(await page.content()).not.toContain(apiKey);
  expect((await listCalls()).status).toBe(401);
  await expectAccessible(page);
});

test("Set password: the one-time link sets a password by keyboard, the user signs in with it, and the link is then refused", async ({
  page,
}) => {
  const link = `${s.dashboardUrl}/set-password?token=${s.invite.token}`;
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Set your password" })).toBeVisible();
  await expect(page.getByText(`For ${s.invite.email}.`)).toBeVisible();
  await expectAccessible(page);
  const password = "a new password for ivy";
  await tabTo(page, page.getByLabel("New password"));
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Password set. Sign in with it.");
  await expectAccessible(page);
  await page.getByLabel("Email").fill(s.invite.email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Calls", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: s.orgs.other.queuedCallId })).toBeVisible();

  // Used once: the same link now answers 410 with a page saying so.
  const again = await page.goto(link);
  expect(again?.status()).toBe(410);
  await expect(page.getByRole("alert")).toContainText("already used or has expired");
  await expectAccessible(page);
});

test("Access control: another organisation's user cannot see or touch the call (UI and direct URL); CSRF refusal; sign-in throttling", async ({
  page,
  browser,
}) => {
  const victim = s.orgs.calls;
  const other = s.orgs.other;
  await signIn(page, other.email);
  await expect(page.getByRole("link", { name: other.queuedCallId })).toBeVisible();
  await expect(page.locator("body")).not.toContainText(victim.queuedCallId);
  await page.goto(`${s.dashboardUrl}/calls?q=${victim.queuedCallId}`);
  await expect(page.getByText("No calls match.")).toBeVisible();
  const direct = await page.goto(`${s.dashboardUrl}/calls/${victim.queuedCallId}`);
  expect(direct?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Call not found" })).toBeVisible();

  // A forged form post with this user's valid CSRF token, aimed at the other organisation's call: 404, nothing changes.
  await page.goto(`${s.dashboardUrl}/calls/${other.queuedCallId}`);
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  const foreign = await page.request.post(`${s.dashboardUrl}/calls/${victim.agentId.replace("agt", "call")}/cancel`, {
    form: { _csrf: csrf },
  });
  expect(foreign.status()).toBe(404);

  // CSRF: the same post without the token is refused and the call stays queued.
  const noToken = await page.request.post(`${s.dashboardUrl}/calls/${other.queuedCallId}/cancel`, { form: {} });
  expect(noToken.status()).toBe(403);
  await page.reload();
  await expect(page.getByTestId("call-status")).toHaveText("queued");

  // Throttling: three wrong passwords, then even the right one is refused.
  const context = await browser.newContext();
  const stranger = await context.newPage();
  for (let i = 0; i < 3; i++) {
    await stranger.goto(`${s.dashboardUrl}/sign-in`);
    await stranger.getByLabel("Email").fill(s.orgs.throttled.email);
    await stranger.getByLabel("Password").fill("not the password");
    await stranger.getByRole("button", { name: "Sign in" }).click();
    await expect(stranger.getByRole("alert")).toHaveText("That email and password do not match.");
  }
  await expectAccessible(stranger);
  await stranger.getByLabel("Password").fill(s.password);
  await stranger.getByRole("button", { name: "Sign in" }).click();
  await expect(stranger.getByRole("alert")).toContainText("Too many failed sign-ins");
  await context.close();
});

test("Call orders: set the call policy (a refused field shown next to it), add a number to the do-not-call list and see its scheduled call canceled, cancel another scheduled call; another organisation's user sees none of it (UI and direct URL)", async ({
  page,
  browser,
}) => {
  const org = s.orgs.orders;
  await signIn(page, org.email);
  await page.getByRole("link", { name: "Call policy" }).click();
  await expect(page.getByRole("heading", { name: "Call policy", level: 1 })).toBeVisible();
  await expect(page.getByLabel("From (local time)")).toHaveValue("08:00");
  await expectAccessible(page);

  // A value the use case refuses: its message next to the field, the field marked, nothing saved.
  await page.getByLabel("Concurrent calls at most").fill("0");
  await page.getByRole("button", { name: "Save call policy" }).click();
  await expect(page.getByRole("alert")).toContainText("The policy was not saved");
  await expect(page.getByLabel("Concurrent calls at most")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Concurrent calls at most")).toHaveAccessibleDescription(
    "max_concurrent_calls must be an integer from 1 to 1000.",
  );
  await expectAccessible(page);

  await page.getByLabel("From (local time)").fill("09:00");
  await page.getByLabel("Until (local time)").fill("20:00");
  await page.getByLabel("Concurrent calls at most").fill("5");
  await page.getByLabel("Same-recipient window (minutes)").fill("10");
  await page.getByLabel("no answer").check();
  await page.getByLabel("busy").check();
  await page.getByLabel("Attempts in all (1–5)").fill("3");
  await page.getByLabel("Minutes before each redial").fill("5, 30");
  await page.getByRole("button", { name: "Save call policy" }).click();
  await expect(page.getByRole("status")).toHaveText("Call policy saved. New calls are planned with it from now on.");
  await page.reload();
  await expect(page.getByLabel("From (local time)")).toHaveValue("09:00");
  await expect(page.getByLabel("Concurrent calls at most")).toHaveValue("5");
  await expect(page.getByLabel("Same-recipient window (minutes)")).toHaveValue("10");
  await expect(page.getByLabel("busy")).toBeChecked();
  await expect(page.getByLabel("voicemail")).not.toBeChecked();
  await expect(page.getByLabel("Minutes before each redial")).toHaveValue("5, 30");
  await expectAccessible(page);

  // Two calls scheduled two hours ahead, through the webhook.
  const notBefore = new Date(Date.now() + 2 * 3_600_000).toISOString();
  const scheduled = async (number: string) => {
    const res = await postHook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: number, not_before: notBefore },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("scheduled");
    return res.body.call_id as string;
  };
  const optedOut = await scheduled("+14155550177");
  const other = await scheduled("+14155550188");

  await page.getByRole("link", { name: "Calls", exact: true }).click();
  await page.getByLabel("Status").selectOption("scheduled");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator("#calls-table tbody tr")).toHaveCount(2);
  await page.getByRole("link", { name: optedOut }).click();
  await expect(page.getByTestId("call-status")).toHaveText("scheduled");
  await expect(page.getByTestId("not-before").locator("time")).toHaveAttribute("datetime", notBefore);
  await expect(page.getByTestId("due-at").locator("time")).toHaveAttribute("datetime", /^\d{4}-/);
  await expect(page.getByText("up to 3 attempts after no answer, busy, waiting 5, 30 min")).toBeVisible();
  await expect(page.locator("#window-decisions")).toContainText("(before not_before)");
  await expectAccessible(page);

  // Do-not-call: adding the number (typed as people type it) cancels its scheduled call, and says so.
  await page.getByRole("link", { name: "Do-not-call list" }).click();
  await expect(page.locator("#no-opt-outs")).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel("Phone number, with its country code").fill("415 555");
  await page.getByRole("button", { name: "Add to the list" }).click();
  await expect(page.getByLabel("Phone number, with its country code")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#number-error")).toContainText("missing its country code");
  await expectAccessible(page);
  // By keyboard: Tab to the field, type, Enter.
  await tabTo(page, page.getByLabel("Phone number, with its country code"));
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("+1 (415) 555-0177");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Number added to the do-not-call list: 1 pending call canceled.");
  await expect(page.locator("#opt-outs")).toContainText("+14155550177");
  await expect(page.locator("#opt-outs")).toContainText("dashboard");
  expect(page.url()).not.toContain("4155550177");
  await expectAccessible(page);
  await page.goto(`${s.dashboardUrl}/calls/${optedOut}`);
  await expect(page.getByTestId("call-status")).toHaveText("canceled");
  await expect(page.getByRole("list", { name: "Timeline" })).toContainText("opted_out");
  // A new call to the number is refused.
  const refused = await postHook(org.token, createBody(org.agentId, "+14155550177"));
  expect(refused.status).toBe(422);
  expect((refused.body.error as { code: string }).code).toBe("recipient_opted_out");

  // Cancel works on a scheduled call.
  await page.goto(`${s.dashboardUrl}/calls/${other}`);
  await expect(page.getByTestId("call-status")).toHaveText("scheduled");
  await page.getByRole("button", { name: "Cancel call" }).click();
  await expect(page.getByRole("status")).toHaveText("Call has been canceled.");
  await expect(page.getByTestId("call-status")).toHaveText("canceled");

  // Another organisation's user: their own (empty) list, whatever the URL says; the calls answer 404; a
  // forged remove of the number (with their valid CSRF token) answers 404 and the number stays listed.
  const context = await browser.newContext();
  const stranger = await context.newPage();
  await signIn(stranger, s.orgs.other.email);
  await stranger.getByRole("link", { name: "Do-not-call list" }).click();
  await expect(stranger.locator("#no-opt-outs")).toBeVisible();
  await expect(stranger.locator("body")).not.toContainText("+14155550177");
  await stranger.goto(`${s.dashboardUrl}/settings/do-not-call?org=${org.orgId}`);
  await expect(stranger.locator("#no-opt-outs")).toBeVisible();
  await stranger.goto(`${s.dashboardUrl}/settings/call-policy?org=${org.orgId}`);
  await expect(stranger.getByLabel("Concurrent calls at most")).toHaveValue("10");
  const direct = await stranger.goto(`${s.dashboardUrl}/calls/${optedOut}`);
  expect(direct?.status()).toBe(404);
  await stranger.goto(`${s.dashboardUrl}/settings/do-not-call`);
  const csrf = await stranger.locator('input[name="_csrf"]').first().inputValue();
  const forged = await stranger.request.post(`${s.dashboardUrl}/settings/do-not-call/remove`, {
    form: { _csrf: csrf, number: "+14155550177" },
  });
  expect(forged.status()).toBe(404);
  await context.close();
  await page.goto(`${s.dashboardUrl}/settings/do-not-call`);
  await expect(page.locator("#opt-outs")).toContainText("+14155550177");
});
