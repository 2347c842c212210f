import { type CallStatus, canTransition, isLive, RETRY_PENDING_STATUS, refundsCredits } from "@inbound/contracts";
import type { DialableCall, MovedCall, PendingDeletion, RecordedProviderEvent } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import type { CallStore } from "../call-store";
import { type DialerContext, perCallLogger } from "../context";
import { createDialerMetrics } from "../metrics";
import type { DialerStore } from "../ports/dialer-store";
import type { TelephonyProvider } from "../telephony/provider";

/** A call row as the in-memory store keeps it (times in ms of the store's clock). */
export interface MemoryCall {
  id: string;
  orgId: string;
  status: CallStatus;
  attempts: number;
  retryPendingAt: number | null;
  contactNumber: string | null;
  providerCallId: string | null;
  ownerDialerId: string | null;
  queuedAt: number;
  updatedAt: number;
  answeredAt: number | null;
  dialingAt: number | null;
  endReason: string | null;
  deleted: boolean;
  refunded: boolean;
  /** Every move, as `from→to` (a retry scheduled is `dialing→dialing`). */
  events: string[];
}

/**
 * The dialer's ports (CallStore and DialerStore) over memory, for fast unit tests of the use cases: the
 * same conditions as the SQL statements (each move conditional on the status read, the retry sub-state
 * within dialing), on a clock the test moves. Integration tests run the real adapters on Postgres.
 */
export class MemoryDialerStore {
  now = 1_000_000;
  readonly calls = new Map<string, MemoryCall>();
  readonly deletions = new Map<string, PendingDeletion & { requestedAt: number }>();
  readonly dialers = new Map<string, number>();
  readonly providerCallIds = new Map<string, string[]>();
  idempotencyRecordsExpired = 0;

  addCall(call: Partial<MemoryCall> & { id: string }): MemoryCall {
    const row: MemoryCall = {
      orgId: "org_1",
      status: "queued",
      attempts: 0,
      retryPendingAt: null,
      contactNumber: "+14155550100",
      providerCallId: null,
      ownerDialerId: null,
      queuedAt: this.now,
      updatedAt: this.now,
      answeredAt: null,
      dialingAt: null,
      endReason: null,
      deleted: false,
      refunded: false,
      events: [],
      ...call,
    };
    this.calls.set(row.id, row);
    return row;
  }

  private find(callId: string, orgId?: string): MemoryCall | undefined {
    const call = this.calls.get(callId);
    return call && !call.deleted && (orgId === undefined || call.orgId === orgId) ? call : undefined;
  }

  private dialable(call: MemoryCall): DialableCall {
    return {
      id: call.id,
      orgId: call.orgId,
      agentId: "agt_1",
      agentName: "Agent",
      status: call.status,
      attempts: call.attempts,
      retryPending: call.retryPendingAt !== null,
      retryDueInMs: call.retryPendingAt === null ? 0 : Math.max(0, call.retryPendingAt - this.now),
      contactNumber: call.contactNumber,
      contactName: null,
      additionalInfo: null,
      providerCallId: call.providerCallId,
      requestId: null,
      secondsSinceAnswered: call.answeredAt === null ? null : (this.now - call.answeredAt) / 1000,
      secondsSinceDialing: call.dialingAt === null ? null : (this.now - call.dialingAt) / 1000,
      order: { notBefore: null, notAfter: null, windowStart: null, windowEnd: null, timeZones: [], optedOut: false },
    };
  }

  private moved(call: MemoryCall): MovedCall {
    return {
      id: call.id,
      orgId: call.orgId,
      status: call.status,
      attempts: call.attempts,
      creditsReserved: 1,
      refunded: call.refunded,
      requestId: null,
    };
  }

  readonly callStore: CallStore = {
    claim: async (job) => {
      const call = this.find(job.callId, job.orgId);
      if (!call) return { claimed: false, call: null };
      if (call.status !== "queued") return { claimed: false, call: this.dialable(call) };
      this.move(call, "dialing", { incrementAttempts: true, ownerDialerId: job.dialerId });
      return { claimed: true, call: this.dialable(call), moved: this.moved(call) };
    },
    transition: async (request) => {
      if (!canTransition(request.from, request.to)) throw new Error(`illegal call transition ${request.from} → ${request.to}`);
      const call = this.find(request.callId, request.orgId);
      if (!call || call.status !== request.from) return { moved: false, current: call?.status ?? null };
      if (request.endReason) call.endReason = request.endReason;
      if (request.providerCallId) call.providerCallId = request.providerCallId;
      this.move(call, request.to, request);
      return { moved: true, call: this.moved(call) };
    },
    progress: async (callId) => {
      const call = this.find(callId);
      if (!call) return null;
      const { secondsSinceAnswered } = this.dialable(call);
      return {
        id: call.id,
        orgId: call.orgId,
        status: call.status,
        attempts: call.attempts,
        retryPending: call.retryPendingAt !== null,
        providerCallId: call.providerCallId,
        secondsSinceAnswered,
      };
    },
    recordPlacement: async ({ callId, attempt, providerCallId }) => {
      const call = this.find(callId);
      if (!call || call.attempts !== attempt || !isLive(call.status)) return false;
      call.providerCallId = providerCallId;
      call.updatedAt = this.now;
      return true;
    },
  };

  private move(call: MemoryCall, to: CallStatus, options: { incrementAttempts?: boolean; ownerDialerId?: string } = {}): void {
    call.events.push(`${call.status}→${to}`);
    if (refundsCredits(call.status, to)) call.refunded = true;
    if (to === "dialing") call.dialingAt ??= this.now;
    if (to === "in_progress") call.answeredAt = this.now;
    call.status = to;
    call.retryPendingAt = null;
    call.updatedAt = this.now;
    if (options.incrementAttempts) call.attempts += 1;
    if (options.ownerDialerId) call.ownerDialerId = options.ownerDialerId;
  }

  readonly store: DialerStore = {
    claimRetryAttempt: async ({ callId, attempts, dialerId }) => {
      const call = this.find(callId);
      if (!call || call.status !== RETRY_PENDING_STATUS || call.retryPendingAt === null || call.retryPendingAt > this.now)
        return null;
      if (call.attempts !== attempts) return null;
      call.attempts += 1;
      call.retryPendingAt = null;
      call.updatedAt = this.now;
      if (dialerId) call.ownerDialerId = dialerId;
      return call.attempts;
    },
    scheduleRetry: async ({ callId, attempts, delayMs }) => {
      const call = this.find(callId);
      if (!call || call.status !== RETRY_PENDING_STATUS || call.retryPendingAt !== null || call.attempts !== attempts)
        return false;
      call.retryPendingAt = this.now + delayMs;
      call.updatedAt = this.now;
      call.events.push("dialing→dialing");
      return true;
    },
    takeOverLostCall: async ({ callId, status, dialerId, deadAfterMs, ownCallUnfollowed }) => {
      const call = this.find(callId);
      if (!call || call.status !== status || call.retryPendingAt !== null) return { taken: false, ownerAlive: false };
      const owner = call.ownerDialerId;
      const beat = owner ? this.dialers.get(owner) : undefined;
      const ownerDead =
        !owner || beat === undefined || this.now - beat > deadAfterMs || (owner === dialerId && ownCallUnfollowed);
      if (!ownerDead) return { taken: false, ownerAlive: true };
      call.ownerDialerId = dialerId;
      return { taken: true };
    },
    touchLiveCall: async ({ callId, status }) => {
      const call = this.find(callId);
      if (call && call.status === status) call.updatedAt = this.now;
    },
    loadDialableCall: async ({ callId, orgId }) => {
      const call = this.find(callId, orgId);
      return call ? this.dialable(call) : null;
    },
    findQueuedCalls: async ({ olderThanMs, limit, after }) =>
      [...this.calls.values()]
        .filter((c) => !c.deleted && c.status === "queued" && c.queuedAt < this.now - olderThanMs)
        .filter(
          (c) => !after || c.queuedAt > after.queuedAt.getTime() || (c.queuedAt === after.queuedAt.getTime() && c.id > after.id),
        )
        .sort((a, b) => a.queuedAt - b.queuedAt || a.id.localeCompare(b.id))
        .slice(0, limit)
        .map((c) => ({ id: c.id, orgId: c.orgId, requestId: null, queuedAt: new Date(c.queuedAt) })),
    findUnpurgedDeletions: async ({ olderThanMs, limit }) =>
      [...this.deletions.values()]
        .filter((d) => d.providerPurgedAt === null && d.requestedAt < this.now - olderThanMs)
        .slice(0, limit)
        .map((d) => ({ callId: d.callId, orgId: d.orgId })),
    findIdleLiveCalls: async ({ idleMs, limit, following = [] }) =>
      [...this.calls.values()]
        .filter((c) => !c.deleted && isLive(c.status) && c.updatedAt < this.now - idleMs && !following.includes(c.id))
        .sort((a, b) => a.updatedAt - b.updatedAt)
        .slice(0, limit)
        .map((c) => ({
          id: c.id,
          orgId: c.orgId,
          status: c.status,
          retryPending: c.retryPendingAt !== null,
          requestId: null,
          ownerDialerId: c.ownerDialerId,
        })),
    sweepExpiredIdempotencyRecords: async (limit) => {
      const swept = Math.min(limit, this.idempotencyRecordsExpired);
      this.idempotencyRecordsExpired -= swept;
      return swept;
    },
    loadDeletion: async ({ callId, orgId }) => {
      const deletion = this.deletions.get(callId);
      return deletion && deletion.orgId === orgId ? { ...deletion } : null;
    },
    providerCallIdsOf: async (callId) => this.providerCallIds.get(callId) ?? [],
    recordPurgeAttempt: async ({ callId, succeeded }) => {
      const deletion = this.deletions.get(callId);
      if (!deletion) return null;
      deletion.providerAttempts += 1;
      if (succeeded) deletion.providerPurgedAt ??= new Date(this.now);
      return { providerAttempts: deletion.providerAttempts, providerPurgedAt: deletion.providerPurgedAt };
    },
    claimProviderEvents: async () => [] as RecordedProviderEvent[],
    markProviderEventsApplied: async () => undefined,
    loadRedialContext: async () => null,
  };

  /** A DialerContext over this store, with `provider` and a silent logger. */
  context(provider: TelephonyProvider, overrides: Partial<DialerContext["dial"]> = {}): DialerContext {
    const logger = createLogger({ level: "silent", name: "dialer" });
    return {
      calls: this.callStore,
      store: this.store,
      provider,
      logger,
      callLog: perCallLogger(logger),
      metrics: createDialerMetrics(undefined, { processMetrics: false }),
      dial: { maxAttempts: 3, backoffMs: 1000, maxCallMs: 3_600_000, ...overrides },
      liveness: { dialerId: "dlr_unit", deadAfterMs: 30_000, following: new Set() },
      clock: { now: () => new Date(this.now) },
    };
  }
}
