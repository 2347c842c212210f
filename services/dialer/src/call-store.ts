import {
  assertTransition,
  type BatcherOptions,
  type CallProgress,
  type ClaimRequest,
  type ClaimResult,
  claimQueuedCalls,
  createBatcher,
  loadCallProgress,
  recordPlacements,
  type SqlClient,
  type TransitionRequest,
  type TransitionResult,
  transitionCalls,
} from "@inbound/db";

/** The dialer's hot statements, each batched with the same statements running at the same moment. */
export interface CallStore {
  /** Claims a queued call for dialing and reads what dialing needs (see claimQueuedCalls). */
  claim(job: ClaimRequest): Promise<ClaimResult>;
  /** transitionCall, batched (see transitionCalls). */
  transition(request: TransitionRequest): Promise<TransitionResult>;
  /** Where a call stands (null: missing or deleted), for applying a provider event (see loadCallProgress). */
  progress(callId: string): Promise<CallProgress | null>;
  /** Records the provider's call id of a placed attempt; false when the call moved on (see recordPlacements). */
  recordPlacement(placement: { callId: string; attempt: number; providerCallId: string }): Promise<boolean>;
}

export function createCallStore(sql: SqlClient, options: BatcherOptions = {}): CallStore {
  const claim = createBatcher((jobs: ClaimRequest[]) => claimQueuedCalls(sql, jobs), options);
  const transition = createBatcher((requests: TransitionRequest[]) => transitionCalls(sql, requests), options);
  const progress = createBatcher(async (callIds: string[]) => {
    const found = new Map((await loadCallProgress(sql, callIds)).map((c) => [c.id, c]));
    return callIds.map((id) => found.get(id) ?? null);
  }, options);
  const recordPlacement = createBatcher(
    (placements: { callId: string; attempt: number; providerCallId: string }[]) => recordPlacements(sql, placements),
    options,
  );
  return {
    claim,
    async transition(request) {
      assertTransition(request); // an illegal move fails alone, before it could join a batch
      return transition(request);
    },
    progress,
    recordPlacement,
  };
}
