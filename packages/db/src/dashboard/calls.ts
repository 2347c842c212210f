import type { CallStatus } from "@inbound/contracts";
import type { CallOrderRecord } from "../calls/read-calls";
import type { PrismaClient } from "../generated/prisma/client";

export interface CallListItem {
  id: string;
  status: CallStatus;
  agentId: string;
  agentName: string;
  contactNumber: string | null;
  queuedAt: Date;
  /** When a scheduled call comes due (SPEC §9); null when it is not waiting for a time. */
  dueAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
}

/**
 * The organisation's calls, newest first: never another organisation's, never a deleted one. `search` is a
 * call id (or its beginning).
 */
export async function listOrgCalls(
  prisma: PrismaClient,
  input: { orgId: string; status?: CallStatus; search?: string; limit?: number },
): Promise<CallListItem[]> {
  const rows = await prisma.call.findMany({
    where: {
      orgId: input.orgId,
      deletedAt: null,
      ...(input.status ? { status: input.status } : {}),
      ...(input.search ? { id: { startsWith: input.search.trim() } } : {}),
    },
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    take: Math.min(Math.max(input.limit ?? 50, 1), 200),
    include: { agent: { select: { name: true } } },
  });
  return rows.map(listItemOf);
}

/** The list's columns of a call row read with its agent's name. */
function listItemOf(c: {
  id: string;
  status: string;
  agentId: string;
  agent: { name: string };
  contactNumber: string | null;
  queuedAt: Date;
  dueAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
}): CallListItem {
  return {
    id: c.id,
    status: c.status as CallStatus,
    agentId: c.agentId,
    agentName: c.agent.name,
    contactNumber: c.contactNumber,
    queuedAt: c.queuedAt,
    dueAt: c.dueAt,
    endedAt: c.endedAt,
    endReason: c.endReason,
  };
}

export interface CallTimeline extends CallListItem {
  attempts: number;
  answeredAt: Date | null;
  durationSeconds: number | null;
  engaged: boolean;
  events: { from: CallStatus | null; to: CallStatus; at: Date; detail: string | null }[];
  /** The call order's stored fields (SPEC §9), presented by @inbound/orders' presentOrder. */
  order: CallOrderRecord;
}

/** One call of the organisation with its PII-free event log; null for an unknown, deleted or foreign call. */
export async function showOrgCall(prisma: PrismaClient, input: { orgId: string; callId: string }): Promise<CallTimeline | null> {
  const c = await prisma.call.findFirst({
    where: { id: input.callId, orgId: input.orgId, deletedAt: null },
    include: {
      agent: { select: { name: true } },
      engagement: { select: { durationSeconds: true } },
      events: { orderBy: [{ at: "asc" }, { id: "asc" }] },
      dialAttempts: { orderBy: { attempt: "asc" } },
    },
  });
  if (!c) return null;
  return {
    ...listItemOf(c),
    attempts: c.attempts,
    answeredAt: c.answeredAt,
    durationSeconds: c.engagement?.durationSeconds ?? null,
    engaged: c.engagement !== null,
    events: c.events.map((e) => ({ from: e.fromStatus as CallStatus | null, to: e.toStatus as CallStatus, at: e.at, detail: e.detail })),
    order: {
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      dueAt: c.dueAt,
      windowStart: c.windowStart,
      windowEnd: c.windowEnd,
      timeZones: c.timeZones,
      retryPolicy: (c.retryPolicy as Record<string, unknown> | null) ?? null,
      windowDecisions: Array.isArray(c.windowDecisions) ? (c.windowDecisions as Record<string, unknown>[]) : [],
      dialAttempts: c.dialAttempts.map((a) => ({
        attempt: a.attempt,
        outcome: a.outcome,
        started_at: a.startedAt.toISOString(),
        ended_at: a.endedAt?.toISOString() ?? null,
      })),
    },
  };
}

/** Calls created in each of the last 24 hours, per status (deleted calls count: usage is not PII), oldest hour first. */
export async function callsPerHour(
  prisma: PrismaClient,
  orgId: string,
  now = new Date(),
): Promise<{ hour: Date; status: CallStatus; count: number }[]> {
  const since = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - 23 * 3_600_000);
  const rows = await prisma.$queryRaw<{ hour: Date; status: CallStatus; count: bigint }[]>`
    SELECT date_trunc('hour', queued_at) AS hour, status::text AS status, count(*) AS count
    FROM calls WHERE org_id = ${orgId} AND queued_at >= ${since}
    GROUP BY 1, 2 ORDER BY 1`;
  return rows.map((r) => ({ hour: r.hour, status: r.status, count: Number(r.count) }));
}

/** The organisation's current webhook token's display prefix (the rest is never stored). */
export async function currentTokenPrefix(prisma: PrismaClient, orgId: string): Promise<string | null> {
  const token = await prisma.webhookToken.findFirst({
    where: { orgId, revokedAt: null },
    orderBy: { createdAt: "desc" },
    select: { displayPrefix: true },
  });
  return token?.displayPrefix ?? null;
}

/** Whether a previous signing secret is still accepted, and until when. */
export async function signingGraceUntil(prisma: PrismaClient, orgId: string): Promise<Date | null> {
  const previous = await prisma.signingSecret.findFirst({
    where: { orgId, expiresAt: { gt: new Date() } },
    orderBy: { expiresAt: "desc" },
    select: { expiresAt: true },
  });
  return previous?.expiresAt ?? null;
}

export async function firstAgent(prisma: PrismaClient, orgId: string): Promise<{ id: string; name: string } | null> {
  return prisma.agent.findFirst({ where: { orgId }, orderBy: { createdAt: "asc" }, select: { id: true, name: true } });
}
