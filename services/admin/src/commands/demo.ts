import { randomBytes } from "node:crypto";
import { createAgent, createDashboardUser, createOrganization } from "@inbound/db";
import { hashPassword } from "@inbound/security";
import type { Command } from "../command";
import { webhookUrl } from "./webhook-url";

const DEMO_CREDITS = 100;
/** A simulated-provider number that connects (see the README's test-number table). */
const DEMO_NUMBER = "+14155552671";

/** Single-quoted for POSIX shells; ids, tokens and the demo payload contain no single quote. */
function curl(url: string, body: unknown): string {
  return [`curl -sS -X POST '${url}'`, `  -H 'Content-Type: application/json'`, `  -d '${JSON.stringify(body)}'`].join(" \\\n");
}

const demo: Command = {
  path: ["demo"],
  summary: "Create a demo organisation (100 credits) and agent, and print curl commands to try the webhook.",
  options: {},
  prepare() {
    return async ({ prisma, config }) => {
      const org = await createOrganization(prisma, {
        name: "Demo organization",
        credits: DEMO_CREDITS,
        dailyQuota: config.DEFAULT_DAILY_QUOTA,
        // SPEC §9: a newcomer trying the product at night still sees a call move. Said below, with how to turn it on.
        callingHoursGuard: false,
      });
      const agent = await createAgent(prisma, { orgId: org.org_id, name: "Demo agent" });
      const url = webhookUrl(config, org.webhook_token);
      // A dashboard user who can sign in at once (a demo: the password is printed, not sent by a link).
      const email = `demo-${org.org_id.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, "x")}@example.com`;
      const password = randomBytes(12).toString("base64url");
      await createDashboardUser(prisma, { orgId: org.org_id, email, passwordHash: await hashPassword(password) });
      const dashboardUrl = config.DASHBOARD_PUBLIC_URL;
      const createCurl = curl(url, {
        action: "call.create",
        data: {
          agent_id: agent.agent_id,
          contact_number: DEMO_NUMBER,
          contact_name: "Ada Lovelace",
          additional_info: { plan: "demo", source: "admin demo" },
        },
      });
      const cancelCurl = curl(url, { action: "call.cancel", data: { call_id: "<call_id>" } });
      const compose = config.ADMIN_HINTS === "compose";
      // In the compose stack the CLI runs in the migrate container: pnpm is not there.
      const adminCommand = compose ? "docker compose run --rm migrate admin" : "pnpm admin";
      const watch = `${adminCommand} call show --call <call_id>`;
      const startHint = compose ? "`docker compose up -d` runs it" : "`pnpm start` runs it";
      return {
        json: {
          org_id: org.org_id,
          agent_id: agent.agent_id,
          webhook_token: org.webhook_token,
          webhook_url: url,
          create_call_curl: createCurl,
          cancel_call_curl: cancelCurl,
          watch_command: watch,
          dashboard_url: dashboardUrl,
          dashboard_email: email,
          dashboard_password: password,
          calling_hours_guard: false,
          calling_hours_guard_on_command: `${adminCommand} org policy set --org ${org.org_id} --calling-hours-guard on`,
        },
        text: [
          `Demo organization ${org.org_id} with ${DEMO_CREDITS} credits and agent ${agent.agent_id}.`,
          `Webhook token (shown once): ${org.webhook_token}`,
          "",
          `1. Queue a call (the ingress must be running at ${config.PUBLIC_BASE_URL}; ${startHint}):`,
          "",
          createCurl,
          "",
          '   The answer holds the call\'s id: {"success":true,"call_id":"call_…","status":"queued",…}',
          "",
          "2. Watch it move through its states (queued, dialing, ringing, in_progress, completed):",
          "",
          `   ${watch}`,
          "",
          "3. Cancel a call that is still queued (replace <call_id>; once dialing has begun the answer is 409 with its status):",
          "",
          cancelCurl,
          "",
          `4. Or open the dashboard at ${dashboardUrl} and sign in as ${email} with the password ${password}`,
          "   (shown once; Calls, Integrations → Inbound Webhooks, API keys and Status webhooks, Request log, Usage).",
          "",
          `The calling-hours guard is OFF for this demo organisation, so its calls are dialled at any hour. Turn it on`,
          `(calls only 08:00–21:00 in the recipient's time zone) with: ${adminCommand} org policy set --org ${org.org_id} --calling-hours-guard on`,
          "",
          "Numbers ending in 0000 ring out to no_answer, 0001 are busy, 0002 fail, 0003 fail once and then connect.",
        ].join("\n"),
      };
    };
  },
};

export const demoCommands: Command[] = [demo];
