import { newId } from "@inbound/contracts";
import { generateSigningSecret, generateWebhookToken, type SecretBox } from "@inbound/security";
import type { PrismaClient } from "../generated/prisma/client";

/** Admin operations on organisations. Secrets are returned once and stored only hashed or sealed. */
export class NotFoundError extends Error {
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
    this.name = "NotFoundError";
  }
}

export interface OrganizationView {
  org_id: string;
  name: string;
  credits: number;
  daily_quota: number;
  signature_verification: boolean;
}

export async function createOrganization(
  prisma: PrismaClient,
  input: {
    name: string;
    credits: number;
    dailyQuota: number;
    /** SPEC §9: on for every new organisation unless said otherwise (the demo's, test fixtures at any hour). */
    callingHoursGuard?: boolean;
  },
): Promise<{ org_id: string; webhook_token: string }> {
  const orgId = newId("org");
  const token = generateWebhookToken();
  await prisma.organization.create({
    data: {
      id: orgId,
      name: input.name,
      credits: input.credits,
      dailyQuota: input.dailyQuota,
      ...(input.callingHoursGuard === false ? { callingHoursGuard: false, callingHoursGuardChangedAt: new Date() } : {}),
      tokens: { create: { id: newId("tok"), tokenHash: token.tokenHash, displayPrefix: token.displayPrefix } },
    },
  });
  return { org_id: orgId, webhook_token: token.token };
}

export async function showOrganization(prisma: PrismaClient, orgId: string): Promise<OrganizationView> {
  const org = await prisma.organization.findUnique({ where: { id: orgId } });
  if (!org) throw new NotFoundError("organization", orgId);
  return {
    org_id: org.id,
    name: org.name,
    credits: org.credits,
    daily_quota: org.dailyQuota,
    signature_verification: org.signatureVerification,
  };
}

export async function createAgent(prisma: PrismaClient, input: { orgId: string; name: string }): Promise<{ agent_id: string }> {
  await showOrganization(prisma, input.orgId);
  const agentId = newId("agt");
  await prisma.agent.create({ data: { id: agentId, orgId: input.orgId, name: input.name } });
  return { agent_id: agentId };
}

/** Revokes every active token and issues a new one, atomically: the old token fails on the next request. */
export async function rotateWebhookToken(prisma: PrismaClient, orgId: string): Promise<{ webhook_token: string }> {
  await showOrganization(prisma, orgId);
  const token = generateWebhookToken();
  await prisma.$transaction([
    prisma.webhookToken.updateMany({ where: { orgId, revokedAt: null }, data: { revokedAt: new Date() } }),
    prisma.webhookToken.create({
      data: { id: newId("tok"), orgId, tokenHash: token.tokenHash, displayPrefix: token.displayPrefix },
    }),
  ]);
  return { webhook_token: token.token };
}

export async function enableSigning(prisma: PrismaClient, box: SecretBox, orgId: string): Promise<{ signing_secret: string }> {
  await showOrganization(prisma, orgId);
  const secret = generateSigningSecret();
  await prisma.$transaction([
    prisma.signingSecret.deleteMany({ where: { orgId } }),
    prisma.signingSecret.create({ data: { id: newId("sec"), orgId, encryptedSecret: box.seal(secret, orgId) } }),
    prisma.organization.update({ where: { id: orgId }, data: { signatureVerification: true } }),
  ]);
  return { signing_secret: secret };
}

export async function disableSigning(prisma: PrismaClient, orgId: string): Promise<{ signature_verification: false }> {
  await showOrganization(prisma, orgId);
  await prisma.$transaction([
    prisma.organization.update({ where: { id: orgId }, data: { signatureVerification: false } }),
    prisma.signingSecret.deleteMany({ where: { orgId } }),
  ]);
  return { signature_verification: false };
}

/** New current secret; the previous one stays valid for graceMinutes (0: it stops at once). */
export async function rotateSigning(
  prisma: PrismaClient,
  box: SecretBox,
  input: { orgId: string; graceMinutes: number },
): Promise<{ signing_secret: string }> {
  const org = await showOrganization(prisma, input.orgId);
  if (!org.signature_verification) {
    throw new Error(`signature verification is off for ${input.orgId}; run \`signing enable\` first`);
  }
  const secret = generateSigningSecret();
  const now = new Date();
  const graceEnd = new Date(now.getTime() + input.graceMinutes * 60_000);
  await prisma.$transaction([
    // Only the current secret gets a grace period; older ones (from an earlier rotation) end now.
    prisma.signingSecret.deleteMany({ where: { orgId: input.orgId, expiresAt: { not: null } } }),
    input.graceMinutes > 0
      ? prisma.signingSecret.updateMany({ where: { orgId: input.orgId, expiresAt: null }, data: { expiresAt: graceEnd } })
      : prisma.signingSecret.deleteMany({ where: { orgId: input.orgId, expiresAt: null } }),
    prisma.signingSecret.create({
      data: { id: newId("sec"), orgId: input.orgId, encryptedSecret: box.seal(secret, input.orgId) },
    }),
  ]);
  return { signing_secret: secret };
}

export async function addCredits(prisma: PrismaClient, input: { orgId: string; amount: number }): Promise<{ credits: number }> {
  await showOrganization(prisma, input.orgId);
  const org = await prisma.organization.update({
    where: { id: input.orgId },
    data: { credits: { increment: input.amount } },
  });
  return { credits: org.credits };
}

export async function setDailyQuota(
  prisma: PrismaClient,
  input: { orgId: string; daily: number },
): Promise<{ daily_quota: number }> {
  await showOrganization(prisma, input.orgId);
  const org = await prisma.organization.update({ where: { id: input.orgId }, data: { dailyQuota: input.daily } });
  return { daily_quota: org.dailyQuota };
}
