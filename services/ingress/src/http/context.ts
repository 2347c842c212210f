import type { Response } from "express";

/** What a request learned on its way through the pipeline, for the access log and the metrics. */
export interface RequestContext {
  requestId: string;
  startedAt: bigint;
  orgId?: string;
  action?: string;
  /** The error code answered, if any. */
  code?: string;
  /** For the request log: true when a signature was verified, false when verification is on and it failed. */
  signatureVerified?: boolean;
  /** The replay-guard key this request set, released if the request ends in a 5xx. */
  replayKey?: string;
}

export function requestContext(res: Response): RequestContext {
  return res.locals as RequestContext;
}
