import { createAgent, createOrganization, type Database, enableSigning } from "@inbound/db";
import { SecretBox } from "@inbound/security";

export interface Tenant {
  orgId: string;
  token: string;
  agentId: string;
  signingSecret?: string;
}

const AMPLE = 1_000_000_000;

export async function provisionTenants(
  db: Database,
  count: number,
  options: { signed?: boolean; secretsKey: string },
): Promise<Tenant[]> {
  const box = new SecretBox(options.secretsKey);
  const tenants: Tenant[] = [];
  for (let i = 0; i < count; i++) {
    const org = await createOrganization(db.prisma, { name: `bench-${i}`, credits: AMPLE, dailyQuota: AMPLE, callingHoursGuard: false });
    const agent = await createAgent(db.prisma, { orgId: org.org_id, name: "bench agent" });
    const signing = options.signed ? await enableSigning(db.prisma, box, org.org_id) : undefined;
    tenants.push({
      orgId: org.org_id,
      token: org.webhook_token,
      agentId: agent.agent_id,
      signingSecret: signing?.signing_secret,
    });
  }
  return tenants;
}

/**
 * Inserts `count` queued calls straight into Postgres (for dialer scenarios); returns their ids, as long as
 * real ones (newId: `call_` + 20 characters), since their length is part of what a job costs in Redis.
 */
export async function insertQueuedCalls(db: Database, tenant: Tenant, count: number, number = "+14155552671"): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO calls (id, org_id, agent_id, contact_number, contact_name, credits_reserved)
     SELECT 'call_' || substr(md5(random()::text || g::text), 1, 20), $1, $2, $3, 'Bench Contact', 1
     FROM generate_series(1, $4) g RETURNING id`,
    [tenant.orgId, tenant.agentId, number, count],
  );
  return rows.map((r) => r.id);
}
