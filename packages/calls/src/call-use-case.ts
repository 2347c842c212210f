import type { Config } from "@inbound/config";
import type { SqlClient } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { Queues } from "@inbound/queue";

/** What the call use cases talk to; every caller (ingress, dashboard, admin CLI) builds one of its own. */
export interface CallUseCaseDeps {
  /** Where the one conditional statement runs: the pg pool behind Prisma, or Prisma itself. */
  sql: SqlClient;
  /** Cancel removes the call's job; delete enqueues the provider purge (both best effort, see each use case). */
  queues: Pick<Queues, "calls" | "purges">;
  logger: Logger;
  config: Pick<Config, "REDIS_TIMEOUT_MS" | "PURGE_MAX_ATTEMPTS">;
}

/**
 * One request to act on one call. Invariants: the call is looked for within orgId only, so another
 * organisation's call answers exactly like an unknown one (404 call_not_found); nothing here holds or logs
 * contact data.
 */
export interface CallRequest {
  orgId: string;
  callId: string;
  /** Who asks, for the PII-free event log: "webhook", "REST API", "dashboard", "admin CLI". */
  by: string;
  /** How the caller names the call id in errors: "data.call_id" (webhook), "call_id" (REST, dashboard, CLI). */
  field: string;
  /** The request's id when there is one (recorded with a deletion, logged with a warning). */
  requestId?: string | null;
}
