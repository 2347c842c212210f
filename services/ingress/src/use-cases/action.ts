import type { Config } from "@inbound/config";
import type { CreateCallInput, CreateCallResult, Database, SqlClient } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { Clock, PolicyCache } from "@inbound/orders";
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
  /** The organisations' call-order policies (SPEC §9), cached per process (see PolicyCache). */
  policies: PolicyCache;
  /** "Now" for the call-order rules (injectable: tests run them on a fake clock). */
  clock: Clock;
}

/** Who asks: the authenticated organisation, the request id, and the Idempotency-Key if any. */
export interface ActionContext {
  orgId: string;
  requestId: string;
  /** The Idempotency-Key the request carries (the runner claims it before the action runs). */
  idempotencyKey?: string;
  /** Set by the runner once it claimed the key: the claim's owner id (see claimIdempotencyKey). */
  idempotency?: { key: string; owner: string };
  /** The transport the request came through: how it names fields and what its success bodies are. */
  transport: Transport;
}

export interface ActionResult {
  status: number;
  body: Record<string, unknown>;
  /** True when the idempotent response was already stored by the action's own statement. */
  stored?: boolean;
}

/** A call just created (createdAt: its created_at as stored; null before the statement ran). */
export interface CreatedCall {
  id: string;
  agentId: string;
  contactNumber: string;
  contactName: string | null;
  contactEmail: string | null;
  additionalInfo: Record<string, unknown> | null;
  createdAt: string | null;
  /** queued, or scheduled until dueAt (SPEC §9). */
  status: "queued" | "scheduled";
  dueAt: string | null;
  /** The call order as the call object shows it (schedule, retry policy, the create's window decision). */
  order: Record<string, unknown>;
}

/**
 * What differs between the webhook and the REST API once a use case has decided: the names of fields in
 * errors, and the success bodies. Everything else (validation, credits, quota, idempotency, the statements,
 * the error codes and messages) is the use case's, shared by both transports.
 */
export interface Transport {
  /** Where the request came in, for the PII-free event log ("webhook", "REST API"). */
  name: string;
  /** A request field as errors name it: "data.call_id" (webhook) or "call_id" (REST). */
  field(name: string): string;
  /**
   * The 201 body of a created call. With createdAt null (the body stored with the call), stampCreatedAt
   * names the top-level keys the statement fills with the call's creation time.
   */
  created(call: CreatedCall): { body: Record<string, unknown>; stampCreatedAt?: readonly string[] };
  canceled(deps: ActionDeps, ctx: ActionContext, callId: string): Promise<Record<string, unknown>>;
  deleted(callId: string): Record<string, unknown>;
}
