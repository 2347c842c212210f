import { type CallStatus, canTransition, refundsCredits, STATUS_TIMESTAMP_COLUMN } from "@inbound/contracts";
import { Prisma, type PrismaClient } from "../generated/prisma/client";

export interface TransitionRequest {
  callId: string;
  /** When set, a call of another organisation behaves exactly like a missing one. */
  orgId?: string;
  from: CallStatus;
  to: CallStatus;
  /** PII-free note for the event log (an end reason, an error code). */
  detail?: string;
  endReason?: string;
  providerCallId?: string;
  /** Counts a dial attempt (queued → dialing, or a retry). */
  incrementAttempts?: boolean;
  /**
   * What a connected call produced, inserted in the same statement as the move (so a call is `completed`
   * exactly when it has its engagement). Kept if one exists already.
   */
  engagement?: EngagementRecord;
}

export interface EngagementRecord {
  transcript: string | null;
  /** Recording metadata (URL, format, duration): JSON, no audio. */
  recording: Record<string, unknown> | null;
  durationSeconds: number;
}

export interface MovedCall {
  id: string;
  orgId: string;
  status: CallStatus;
  attempts: number;
  creditsReserved: number;
  refunded: boolean;
  requestId: string | null;
}

export type TransitionResult =
  | { moved: true; call: MovedCall }
  /** current is null when the call does not exist for this organisation, or was deleted. */
  | { moved: false; current: CallStatus | null };

/**
 * Moves a call from one status to the next in ONE statement: a conditional update from the expected
 * status only, the stage's timestamp, the event log row, and the credit refund when the call ends
 * without having been answered. Exactly-once refunds follow from the conditional update.
 */
export async function transitionCall(prisma: PrismaClient, request: TransitionRequest): Promise<TransitionResult> {
  const { callId, from, to } = request;
  if (!canTransition(from, to)) throw new Error(`illegal call transition ${from} → ${to}`);
  const stamp = STATUS_TIMESTAMP_COLUMN[to];
  const refund = refundsCredits(from, to);
  const orgFilter = request.orgId ? Prisma.sql`AND org_id = ${request.orgId}` : Prisma.empty;
  const engagement = request.engagement
    ? Prisma.sql`, engagement AS (
        INSERT INTO engagements (call_id, transcript, recording, duration_seconds)
        SELECT id, ${request.engagement.transcript}::text,
          ${request.engagement.recording === null ? null : JSON.stringify(request.engagement.recording)}::jsonb,
          ${Math.max(0, Math.round(request.engagement.durationSeconds))}::int
        FROM moved
        ON CONFLICT (call_id) DO NOTHING
        RETURNING call_id
      )`
    : Prisma.empty;
  const engagementCount = request.engagement ? Prisma.sql`+ (SELECT count(*) FROM engagement)` : Prisma.empty;

  const rows = await prisma.$queryRaw<
    {
      moved: { id: string; org_id: string; attempts: number; credits_reserved: number; request_id: string | null } | null;
      current: CallStatus | null;
    }[]
  >`
    WITH moved AS (
      UPDATE calls SET
        status = ${to}::call_status,
        ${stamp ? Prisma.raw(`"${stamp}" = now(),`) : Prisma.empty}
        attempts = attempts + ${request.incrementAttempts ? 1 : 0},
        end_reason = COALESCE(${request.endReason ?? null}::text, end_reason),
        provider_call_id = COALESCE(${request.providerCallId ?? null}::text, provider_call_id),
        retry_pending_at = NULL,
        updated_at = now()
      WHERE id = ${callId} ${orgFilter} AND status = ${from}::call_status AND deleted_at IS NULL
      RETURNING id, org_id, attempts, credits_reserved, request_id
    ), refund AS (
      UPDATE organizations o SET credits = o.credits + m.credits_reserved
      FROM moved m WHERE o.id = m.org_id AND ${refund}
      RETURNING o.id
    ), event AS (
      INSERT INTO call_events (call_id, from_status, to_status, detail)
      SELECT id, ${from}::call_status, ${to}::call_status, ${request.detail ?? null} FROM moved
      RETURNING id
    )${engagement}
    SELECT
      (SELECT row_to_json(moved) FROM moved) AS moved,
      (SELECT status::text FROM calls WHERE id = ${callId} ${orgFilter} AND deleted_at IS NULL) AS current,
      (SELECT count(*) FROM refund) + (SELECT count(*) FROM event) ${engagementCount} AS touched`;

  const row = rows[0];
  if (row?.moved) {
    const m = row.moved;
    return {
      moved: true,
      call: {
        id: m.id,
        orgId: m.org_id,
        status: to,
        attempts: m.attempts,
        creditsReserved: m.credits_reserved,
        refunded: refund,
        requestId: m.request_id,
      },
    };
  }
  if (row?.current === from) {
    // The update lost a race (another statement moved the call after this one's snapshot was taken):
    // the snapshot still shows `from`, so read the status that won.
    const fresh = await prisma.$queryRaw<{ status: CallStatus }[]>`
      SELECT status::text AS status FROM calls WHERE id = ${callId} ${orgFilter} AND deleted_at IS NULL`;
    return { moved: false, current: fresh[0]?.status ?? null };
  }
  return { moved: false, current: row?.current ?? null };
}
