import { createOrganization, showOrganization } from "@inbound/db";
import { showOrgPolicy, systemClock } from "@inbound/orders";
import { optionalInteger, required } from "../args";
import type { Command } from "../command";
import { webhookUrl } from "./webhook-url";

const create: Command = {
  path: ["org", "create"],
  summary: "Create an organisation and its webhook token (the token is shown once).",
  options: {
    name: { value: "NAME", description: "the organisation's name", required: true },
    credits: { value: "N", description: "starting credit balance (default 0)" },
    "daily-quota": { value: "N", description: "webhook requests allowed per UTC day (default DEFAULT_DAILY_QUOTA)" },
  },
  prepare(values) {
    const name = required(values, "name");
    const credits = optionalInteger(values, "credits", 0);
    const dailyQuota = optionalInteger(values, "daily-quota", 0);
    return async ({ prisma, config }) => {
      const created = await createOrganization(prisma, {
        name,
        credits: credits ?? 0,
        dailyQuota: dailyQuota ?? config.DEFAULT_DAILY_QUOTA,
      });
      return {
        json: created,
        text: [
          `Created organization ${created.org_id} (${name}).`,
          `Webhook token (shown once, store it now): ${created.webhook_token}`,
          `Webhook URL: ${webhookUrl(config, created.webhook_token)}`,
        ].join("\n"),
      };
    };
  },
};

const show: Command = {
  path: ["org", "show"],
  summary: "Show an organisation's balance, quota and signature setting.",
  options: { org: { value: "ID", description: "organisation id (org_…)", required: true } },
  prepare(values) {
    const orgId = required(values, "org");
    return async ({ prisma }) => {
      const org = await showOrganization(prisma, orgId);
      const policy = await showOrgPolicy({ sql: prisma, clock: systemClock }, orgId);
      return {
        json: {
          ...org,
          calling_hours_guard: policy.calling_hours_guard,
          max_concurrent_calls: policy.max_concurrent_calls,
          concurrent_calls_in_use: policy.concurrent_calls_in_use,
        },
        text: [
          `Organization ${org.org_id} (${org.name})`,
          `  credits:                ${org.credits}`,
          `  daily quota:            ${org.daily_quota} requests per UTC day`,
          `  signature verification: ${org.signature_verification ? "on" : "off"}`,
          `  calling-hours guard:    ${policy.calling_hours_guard ? "on" : "off"} (pnpm admin org policy show --org ${org.org_id})`,
          `  concurrent calls:       ${policy.concurrent_calls_in_use} in use of ${policy.max_concurrent_calls}`,
        ].join("\n"),
      };
    };
  },
};

export const orgCommands: Command[] = [create, show];
