import {
  assertTransition,
  type ClaimRequest,
  type ClaimResult,
  claimQueuedCalls,
  type SqlClient,
  type TransitionRequest,
  type TransitionResult,
  transitionCalls,
  type BatcherOptions,
  createBatcher,
} from "@inbound/db";

/** The dialer's two hot statements, each batched with the same statements running at the same moment. */
export interface CallStore {
  /** Claims a queued call for dialing and reads what dialing needs (see claimQueuedCalls). */
  claim(job: ClaimRequest): Promise<ClaimResult>;
  /** transitionCall, batched (see transitionCalls). */
  transition(request: TransitionRequest): Promise<TransitionResult>;
}

export function createCallStore(sql: SqlClient, options: BatcherOptions = {}): CallStore {
  const claim = createBatcher((jobs: ClaimRequest[]) => claimQueuedCalls(sql, jobs), options);
  const transition = createBatcher((requests: TransitionRequest[]) => transitionCalls(sql, requests), options);
  return {
    claim,
    async transition(request) {
      assertTransition(request); // an illegal move fails alone, before it could join a batch
      return transition(request);
    },
  };
}
