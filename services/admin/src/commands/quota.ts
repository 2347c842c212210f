import { setDailyQuota } from "@inbound/db";
import { parseInteger, required } from "../args";
import type { Command } from "../command";

const set: Command = {
  path: ["quota", "set"],
  summary: "Set how many webhook requests an organisation may send per UTC day.",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    daily: { value: "N", description: "requests per UTC day (0 refuses every request)", required: true },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const daily = parseInteger("daily", required(values, "daily"), 0);
    return async ({ prisma, ingress }) => {
      const { result, warning } = await ingress.apply(orgId, () => setDailyQuota(prisma, { orgId, daily }));
      return { warning, json: result, text: `Daily quota of ${orgId} is now ${result.daily_quota} requests per UTC day.` };
    };
  },
};

export const quotaCommands: Command[] = [set];
