import { canTransitionSubState, RETRY_PENDING_STATUS } from "@inbound/contracts";
import {
  claimProviderEvents,
  claimRetryAttempt,
  findIdleLiveCalls,
  findQueuedCalls,
  findUnpurgedDeletions,
  loadDeletion,
  loadDialableCall,
  loadRedialContext,
  markProviderEventsApplied,
  providerCallIdsOf,
  recordPurgeAttempt,
  type SqlClient,
  scheduleRetry,
  sweepExpiredIdempotencyRecords,
  takeOverLostCall,
  touchLiveCall,
} from "@inbound/db";

/** A statement of @inbound/db with its SqlClient bound: what a use case calls through the port. */
type Bound<F> = F extends (client: SqlClient, ...args: infer A) => infer R ? (...args: A) => R : never;

/**
 * The dialer's persistence port beside CallStore (the batched hot statements): every other statement its
 * use cases run, each one conditional SQL statement (see its @inbound/db function for the invariants).
 * Use cases see this interface only; createDialerStore implements it over Postgres, tests over memory
 * (test-support/memory-dialer-store.ts).
 */
export interface DialerStore {
  /** dial-call: the next attempt of a call whose retry is due (retry_pending → none); null: not ours. */
  claimRetryAttempt: Bound<typeof claimRetryAttempt>;
  /** dial-call, reattach-call: the call waits for its next attempt (none → retry_pending); false: it moved on. */
  scheduleRetry: Bound<typeof scheduleRetry>;
  /** reattach-call: a call unknown at the provider becomes this dialer's once its owner is dead. */
  takeOverLostCall: Bound<typeof takeOverLostCall>;
  /** reattach-call: a live call looked at now (updated_at), so the reconciler asks again after its idle time. */
  touchLiveCall: Bound<typeof touchLiveCall>;
  /** reconcile: what dialing or re-attaching needs of a call (null: missing or deleted). */
  loadDialableCall: Bound<typeof loadDialableCall>;
  findQueuedCalls: Bound<typeof findQueuedCalls>;
  findUnpurgedDeletions: Bound<typeof findUnpurgedDeletions>;
  findIdleLiveCalls: Bound<typeof findIdleLiveCalls>;
  sweepExpiredIdempotencyRecords: Bound<typeof sweepExpiredIdempotencyRecords>;
  /** purge-call: the deletion record of a call, its provider call ids, and each purge attempt. */
  loadDeletion: Bound<typeof loadDeletion>;
  providerCallIdsOf: Bound<typeof providerCallIdsOf>;
  recordPurgeAttempt: Bound<typeof recordPurgeAttempt>;
  /** provider-event-pump: a leased batch of recorded provider events, and their outcomes once applied. */
  claimProviderEvents: Bound<typeof claimProviderEvents>;
  markProviderEventsApplied: Bound<typeof markProviderEventsApplied>;
  /** apply-provider-event: what deciding a redial needs (SPEC §9), when an attempt ends no_answer, busy or voicemail. */
  loadRedialContext: Bound<typeof loadRedialContext>;
}

/** Throws on a retry sub-state move the state machine refuses (a programming error), like assertTransition. */
function assertRetryMove(from: "retry_pending" | null, to: "retry_pending" | null): void {
  if (!canTransitionSubState(RETRY_PENDING_STATUS, from, to)) {
    throw new Error(`illegal sub-state move ${RETRY_PENDING_STATUS}:${from ?? "-"} → ${to ?? "-"}`);
  }
}

/** The DialerStore over Postgres (named prepared statements on `sql`). */
export function createDialerStore(sql: SqlClient): DialerStore {
  return {
    claimRetryAttempt: (input) => {
      assertRetryMove("retry_pending", null);
      return claimRetryAttempt(sql, input);
    },
    scheduleRetry: (input) => {
      assertRetryMove(null, "retry_pending");
      return scheduleRetry(sql, input);
    },
    takeOverLostCall: (input) => takeOverLostCall(sql, input),
    touchLiveCall: (input) => touchLiveCall(sql, input),
    loadDialableCall: (input) => loadDialableCall(sql, input),
    findQueuedCalls: (input) => findQueuedCalls(sql, input),
    findUnpurgedDeletions: (input) => findUnpurgedDeletions(sql, input),
    findIdleLiveCalls: (input) => findIdleLiveCalls(sql, input),
    sweepExpiredIdempotencyRecords: (limit) => sweepExpiredIdempotencyRecords(sql, limit),
    loadDeletion: (input) => loadDeletion(sql, input),
    providerCallIdsOf: (callId) => providerCallIdsOf(sql, callId),
    recordPurgeAttempt: (input) => recordPurgeAttempt(sql, input),
    claimProviderEvents: (input) => claimProviderEvents(sql, input),
    markProviderEventsApplied: (outcomes) => markProviderEventsApplied(sql, outcomes),
    loadRedialContext: (callId) => loadRedialContext(sql, callId),
  };
}
