import { createAgent } from "@inbound/db";
import { required } from "../args";
import type { Command } from "../command";

const create: Command = {
  path: ["agent", "create"],
  summary: "Create an AI agent of an organisation (its id goes into call.create's agent_id).",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    name: { value: "NAME", description: "the agent's name", required: true },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const name = required(values, "name");
    return async ({ prisma }) => {
      const created = await createAgent(prisma, { orgId, name });
      return { json: created, text: `Created agent ${created.agent_id} (${name}) in ${orgId}.` };
    };
  },
};

export const agentCommands: Command[] = [create];
