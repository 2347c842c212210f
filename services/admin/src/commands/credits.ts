import { addCredits } from "@inbound/db";
import { parseInteger, required } from "../args";
import type { Command } from "../command";

const add: Command = {
  path: ["credits", "add"],
  summary: "Add credits to an organisation's balance (one call.create reserves CALL_COST_CREDITS).",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    amount: { value: "N", description: "credits to add, at least 1", required: true },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const amount = parseInteger("amount", required(values, "amount"), 1);
    return async ({ prisma }) => {
      const result = await addCredits(prisma, { orgId, amount });
      return { json: result, text: `Added ${amount} credit(s) to ${orgId}; balance is now ${result.credits}.` };
    };
  },
};

export const creditsCommands: Command[] = [add];
