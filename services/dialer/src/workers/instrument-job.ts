import { errorCode } from "@inbound/logging";
import { DelayedError, UnrecoverableError } from "bullmq";
import type { DialerMetrics } from "../metrics";

/** The outcome a use case returns: its `kind` labels the job duration metric. */
export interface JobOutcome {
  kind: string;
}

/**
 * The one wrapper of every dialer job: observes dialer_job_duration_seconds by queue and result (the
 * outcome's kind, `delayed`, or `error`), and turns any error into a PII-free one before BullMQ stores it
 * in Redis (failedReason, stack): only a code is kept. BullMQ's own control errors pass unchanged: a
 * DelayedError (the job was moved to delayed) and an UnrecoverableError (a malformed job: fail, no retry;
 * its message names a field only).
 */
export async function instrumentJob<T extends JobOutcome>(
  metrics: DialerMetrics,
  queue: string,
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let result = "error";
  try {
    const outcome = await run();
    result = outcome.kind;
    return outcome;
  } catch (error) {
    if (error instanceof DelayedError) {
      result = "retry";
      throw error;
    }
    if (error instanceof UnrecoverableError) throw error;
    throw safeError(error);
  } finally {
    metrics.jobDuration.observe({ queue, result }, (performance.now() - started) / 1000);
  }
}

/** Errors stored in Redis (failedReason, stack) must not carry PII: keep only a code. */
export function safeError(error: unknown): Error {
  const safe = new Error(errorCode(error));
  safe.name = "DialerJobError";
  return safe;
}
