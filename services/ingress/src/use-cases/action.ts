import type { Config } from "@inbound/config";
import type { CreateCallInput, CreateCallResult, Database, SqlClient } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { Queues } from "@inbound/queue";
import type { IngressMetrics } from "../metrics";

export interface ActionDeps {
  config: Config;
  db: Database;
  /** Where the hot-path statements run: the pg pool behind Prisma, as named prepared statements. */
  sql: SqlClient;
  /** call.create's statement (createQueuedCalls), batched with the creates running at the same time. */
  createQueuedCall: (input: CreateCallInput) => Promise<CreateCallResult>;
  queues: Queues;
  logger: Logger;
  metrics: IngressMetrics;
}

/** Who asks: the authenticated organisation, the request id, and the claimed Idempotency-Key if any. */
export interface ActionContext {
  orgId: string;
  requestId: string;
  /** The Idempotency-Key this request claimed, and the claim's owner id (see claimIdempotencyKey). */
  idempotency?: { key: string; owner: string };
}

export interface ActionResult {
  status: number;
  body: Record<string, unknown>;
  /** True when the idempotent response was already stored by the action's own statement. */
  stored?: boolean;
}
