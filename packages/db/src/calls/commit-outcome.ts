import { setTimeout as delay } from "node:timers/promises";
import { errorChain } from "@inbound/logging";

/** Connect-phase failures: the statement never reached Postgres, so nothing it would have written exists. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "57P03", "53300", "P1001", "P2024"]);
const NOT_SENT_MESSAGE = /timeout exceeded when trying to connect|connect ECONNREFUSED|the database system is starting up/i;
/** A SQLSTATE the server answered with: the statement (and its implicit transaction) was rolled back. */
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Codes the server sends when it kills the session itself: whether the commit landed first is not known. */
const SESSION_KILLED = new Set(["57P01", "57P02", "57P05"]);

/**
 * True when a failed single-statement write MAY have committed: the connection broke or the client gave up
 * (query_timeout) after the statement was sent, so only a read after the fact can tell. False when the
 * failure is definite: the statement never went out (connect refused or timed out, pool full) or Postgres
 * answered with an error (statement_timeout 57014, a constraint, a deadlock), which rolled it back.
 */
export function mayHaveCommitted(error: unknown): boolean {
  for (const e of errorChain(error, 6)) {
    const candidate = e as { name?: unknown; code?: unknown; message?: unknown };
    if (candidate.name === "StatementNotSentError") return false;
    const code = typeof candidate.code === "string" ? candidate.code : undefined;
    if (code && NOT_SENT_CODES.has(code)) return false;
    if (code && SESSION_KILLED.has(code)) return true;
    if (code && SQLSTATE.test(code)) return false;
    if (typeof candidate.message === "string" && NOT_SENT_MESSAGE.test(candidate.message)) return false;
  }
  return true;
}

/** A batched item whose statement never ran (an earlier batch found Postgres unavailable): nothing was written. */
export class StatementNotSentError extends Error {
  constructor(cause: unknown) {
    super("not sent: Postgres was unavailable for the batch ahead", { cause });
    this.name = "StatementNotSentError";
  }
}

/**
 * Settles a single-statement write that failed: definite failures (mayHaveCommitted false) are "absent" at
 * once; an unknown outcome is settled by waiting out the statement timeout (after it Postgres has finished
 * or aborted the statement) and then reading back what the write would have left, retried until
 * 3 × timeoutMs. "unknown" only when Postgres never answered the read.
 */
export async function settleFailedWrite<T>(
  error: unknown,
  options: { timeoutMs: number; readBack: () => Promise<T | null> },
): Promise<{ outcome: "present"; value: T } | { outcome: "absent" } | { outcome: "unknown" }> {
  if (!mayHaveCommitted(error)) return { outcome: "absent" };
  const { timeoutMs } = options;
  const deadline = Date.now() + 3 * timeoutMs;
  await delay(timeoutMs);
  while (Date.now() < deadline) {
    try {
      const value = await options.readBack();
      return value === null ? { outcome: "absent" } : { outcome: "present", value };
    } catch {
      await delay(Math.min(500, timeoutMs));
    }
  }
  return { outcome: "unknown" };
}
