import { createAgent, createDashboardUser, createOrganization, type Database } from "@inbound/db";
import { newId } from "@inbound/contracts";
import { hashPassword } from "@inbound/security";

/** An organisation with an agent, a dashboard user, and one call waiting `queued` (inserted as a webhook would). */
export async function seedOrg(db: Database, input: { name: string; email: string; password: string; credits?: number }) {
  const org = await createOrganization(db.prisma, { name: input.name, credits: input.credits ?? 50, dailyQuota: 1000, callingHoursGuard: false });
  const agent = await createAgent(db.prisma, { orgId: org.org_id, name: `${input.name} agent` });
  await createDashboardUser(db.prisma, { orgId: org.org_id, email: input.email, passwordHash: await hashPassword(input.password) });
  const queuedCallId = newId("call");
  await db.prisma.call.create({
    data: {
      id: queuedCallId,
      orgId: org.org_id,
      agentId: agent.agent_id,
      contactNumber: "+14155550000",
      contactName: "Grace Hopper",
      creditsReserved: 1,
      events: { create: { toStatus: "queued", detail: "created by webhook" } },
    },
  });
  return { orgId: org.org_id, token: org.webhook_token, agentId: agent.agent_id, email: input.email, queuedCallId };
}
