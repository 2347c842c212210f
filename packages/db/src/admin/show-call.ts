import type { PrismaClient } from "../generated/prisma/client";
import { NotFoundError } from "./organizations";

/** The call as ops see it: status, timestamps and the PII-free event log. Contact details are masked. */
export async function showCall(prisma: PrismaClient, callId: string) {
  const call = await prisma.call.findUnique({
    where: { id: callId },
    include: {
      events: { orderBy: [{ at: "asc" }, { id: "asc" }] },
      engagement: { select: { durationSeconds: true } },
      dialAttempts: { orderBy: { attempt: "asc" } },
    },
  });
  if (!call) throw new NotFoundError("call", callId);
  const deletion = await prisma.callDeletion.findUnique({ where: { callId } });
  return {
    call_id: call.id,
    org_id: call.orgId,
    agent_id: call.agentId,
    status: call.status,
    contact_number: maskNumber(call.contactNumber),
    attempts: call.attempts,
    credits_reserved: call.creditsReserved,
    end_reason: call.endReason,
    provider_call_id: call.providerCallId,
    timestamps: {
      queued_at: call.queuedAt,
      dialing_at: call.dialingAt,
      ringing_at: call.ringingAt,
      answered_at: call.answeredAt,
      ended_at: call.endedAt,
      deleted_at: call.deletedAt,
    },
    engagement: call.engagement ? { duration_seconds: call.engagement.durationSeconds } : null,
    deletion: deletion
      ? {
          requested_at: deletion.requestedAt,
          database_erased_at: deletion.databaseErasedAt,
          provider_purged_at: deletion.providerPurgedAt,
        }
      : null,
    events: call.events.map((e) => ({ from: e.fromStatus, to: e.toStatus, at: e.at, detail: e.detail })),
    /** The call order's stored fields (SPEC §9), presented by @inbound/orders' presentOrder. */
    order: {
      notBefore: call.notBefore,
      notAfter: call.notAfter,
      dueAt: call.dueAt,
      windowStart: call.windowStart,
      windowEnd: call.windowEnd,
      timeZones: call.timeZones,
      retryPolicy: call.retryPolicy,
      windowDecisions: call.windowDecisions,
      dialAttempts: call.dialAttempts.map((a) => ({
        attempt: a.attempt,
        outcome: a.outcome,
        started_at: a.startedAt.toISOString(),
        ended_at: a.endedAt?.toISOString() ?? null,
      })),
    },
  };
}

function maskNumber(number: string | null): string | null {
  return number ? `${number.slice(0, 3)}…${number.slice(-2)}` : null;
}
