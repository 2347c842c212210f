import { rotateWebhookToken } from "@inbound/db";
import { required } from "../args";
import type { Command } from "../command";
import { webhookUrl } from "./webhook-url";

const rotate: Command = {
  path: ["token", "rotate"],
  summary: "Issue a new webhook token and revoke the old one at once (the new token is shown once).",
  options: { org: { value: "ID", description: "organisation id (org_…)", required: true } },
  prepare(values) {
    const orgId = required(values, "org");
    return async ({ prisma, config, ingress }) => {
      const { result: rotated, warning } = await ingress.apply(orgId, () => rotateWebhookToken(prisma, orgId));
      return {
        warning,
        json: rotated,
        text: [
          `Rotated the webhook token of ${orgId}; the previous token is revoked.`,
          `New webhook token (shown once, store it now): ${rotated.webhook_token}`,
          `Webhook URL: ${webhookUrl(config, rotated.webhook_token)}`,
        ].join("\n"),
      };
    };
  },
};

export const tokenCommands: Command[] = [rotate];
