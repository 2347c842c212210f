import { createDashboardUser, SETUP_TOKEN_TTL_HOURS } from "@inbound/db";
import { required } from "../args";
import type { Command } from "../command";

const create: Command = {
  path: ["user", "create"],
  summary: "Create a dashboard user of an organisation and print a one-time set-password link.",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    email: { value: "EMAIL", description: "the person's email address (their sign-in name)", required: true },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const email = required(values, "email");
    return async ({ prisma, config }) => {
      const user = await createDashboardUser(prisma, { orgId, email });
      const link = `${config.DASHBOARD_PUBLIC_URL.replace(/\/$/, "")}/set-password?token=${user.setup_token}`;
      return {
        json: { user_id: user.user_id, email: user.email, set_password_url: link },
        text: [
          `Created dashboard user ${user.email} (${user.user_id}) in ${orgId}.`,
          `Send them this one-time link to set their password (valid ${SETUP_TOKEN_TTL_HOURS} hours, shown once):`,
          "",
          `  ${link}`,
        ].join("\n"),
      };
    };
  },
};

export const userCommands: Command[] = [create];
