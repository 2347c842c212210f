import { newId } from "@inbound/contracts";
import { generateSetupToken, hashSetupToken } from "@inbound/security";
import type { PrismaClient } from "../generated/prisma/client";
import { showOrganization } from "../admin/organizations";

/** A set-password link is valid this long after `user create` printed it. */
export const SETUP_TOKEN_TTL_HOURS = 72;

export class DuplicateUserError extends Error {
  constructor(readonly email: string) {
    super(`a dashboard user with the email ${email} already exists`);
    this.name = "DuplicateUserError";
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Creates a dashboard user of one organisation. Without a password, returns a one-time set-password token
 * (stored only hashed, valid SETUP_TOKEN_TTL_HOURS); with a passwordHash (the demo), the user can sign in at once.
 */
export async function createDashboardUser(
  prisma: PrismaClient,
  input: { orgId: string; email: string; passwordHash?: string },
): Promise<{ user_id: string; email: string; setup_token?: string }> {
  await showOrganization(prisma, input.orgId);
  const email = normalizeEmail(input.email);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`not an email address: ${input.email}`);
  const userId = newId("usr");
  const setup = input.passwordHash ? undefined : generateSetupToken();
  try {
    await prisma.dashboardUser.create({
      data: {
        id: userId,
        orgId: input.orgId,
        email,
        passwordHash: input.passwordHash ?? null,
        setupTokenHash: setup?.tokenHash ?? null,
        setupExpiresAt: setup ? new Date(Date.now() + SETUP_TOKEN_TTL_HOURS * 3_600_000) : null,
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw new DuplicateUserError(email);
    throw error;
  }
  return { user_id: userId, email, ...(setup ? { setup_token: setup.token } : {}) };
}

export interface SignInCandidate {
  id: string;
  orgId: string;
  email: string;
  passwordHash: string | null;
}

export async function findDashboardUser(prisma: PrismaClient, email: string): Promise<SignInCandidate | null> {
  return prisma.dashboardUser.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, orgId: true, email: true, passwordHash: true },
  });
}

export async function recordSignIn(prisma: PrismaClient, userId: string): Promise<void> {
  await prisma.dashboardUser.update({ where: { id: userId }, data: { lastSignInAt: new Date() } });
}

/** The user a set-password token belongs to while it is unused and unexpired, else null. */
export async function findSetupToken(prisma: PrismaClient, token: string): Promise<{ id: string; email: string } | null> {
  return prisma.dashboardUser.findFirst({
    where: { setupTokenHash: hashSetupToken(token), setupExpiresAt: { gt: new Date() } },
    select: { id: true, email: true },
  });
}

/** Sets the password and spends the token in one conditional update: a token works once. */
export async function setPasswordWithToken(
  prisma: PrismaClient,
  token: string,
  passwordHash: string,
): Promise<{ id: string; orgId: string; email: string } | null> {
  const tokenHash = hashSetupToken(token);
  const { count } = await prisma.dashboardUser.updateMany({
    where: { setupTokenHash: tokenHash, setupExpiresAt: { gt: new Date() } },
    data: { passwordHash, setupTokenHash: null, setupExpiresAt: null },
  });
  if (count !== 1) return null;
  return prisma.dashboardUser.findFirst({
    where: { passwordHash },
    select: { id: true, orgId: true, email: true },
  });
}
