import { claimMessage, type MessageHandoff, recordAttempt, type SqlClient } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { SecretBox } from "@inbound/security";
import { signStandardWebhook } from "@inbound/security";
import type { WebhookMetrics } from "./metrics";
import type { Poster } from "./post-event";
import { webhookBody } from "./webhook-body";

export interface DeliveryContext {
  sql: SqlClient;
  box: SecretBox;
  poster: Poster;
  logger: Logger;
  metrics: WebhookMetrics;
  /** Delay before each attempt (ms): attempt n+1 waits schedule[n] after attempt n failed. */
  schedule: readonly number[];
  timeoutMs: number;
  leaseMs: number;
  disableAfterMs: number;
  /** Hands the endpoint's next message (picked in the attempt's own statement) to a new job. */
  handOff(next: MessageHandoff): Promise<void>;
}

export type DeliveryOutcome =
  | { kind: "skipped" }
  | { kind: "delivered" | "retry" | "failed" | "gone" | "blocked"; statusCode: number | null; error: string | null };

/**
 * One delivery attempt of the job `${messageId}-${handoff}`: claim (only while the message is pending, still
 * handed to this job and its endpoint enabled), sign with every valid secret of the endpoint (Standard
 * Webhooks: webhook-id = the event id, the same on every retry; webhook-timestamp = now), POST, and record
 * the attempt in one statement (see recordAttempt). Never throws for the receiver's failures: they are the
 * attempt's outcome. A crash anywhere leaves the message pending under its lease, handed over again later.
 */
export async function deliverMessage(ctx: DeliveryContext, job: MessageHandoff): Promise<DeliveryOutcome> {
  const message = await claimMessage(ctx.sql, { id: job.id, handoff: job.handoff, leaseMs: ctx.timeoutMs + ctx.leaseMs });
  if (!message) return { kind: "skipped" };
  const body = webhookBody(message.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const secrets = message.sealedSecrets.map((sealed) => ctx.box.open(sealed, message.endpointId));
  const headers = {
    "user-agent": "inbound-calls-webhooks/1",
    "webhook-id": message.eventId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signStandardWebhook(secrets, message.eventId, timestamp, body),
  };
  const result = await ctx.poster.post(message.url, headers, body);
  const gone = result.statusCode === 410;
  const attemptsMade = message.attempts + 1;
  const retryInMs = result.ok || gone ? null : (ctx.schedule[attemptsMade] ?? null);
  const recorded = await recordAttempt(ctx.sql, {
    id: job.id,
    handoff: job.handoff,
    succeeded: result.ok,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    error: result.error,
    gone,
    retryInMs,
    disableAfterMs: ctx.disableAfterMs,
    leaseMs: ctx.leaseMs,
  });
  const kind = result.ok
    ? "delivered"
    : gone
      ? "gone"
      : result.error === "blocked_address" || result.error === "insecure_url"
        ? "blocked"
        : retryInMs === null
          ? "failed"
          : "retry";
  ctx.metrics.deliveries.inc({ outcome: kind });
  ctx.metrics.attemptDuration.observe({ outcome: kind }, result.latencyMs / 1000);
  if (recorded.disabledReason) {
    ctx.metrics.endpointsDisabled.inc({ reason: recorded.disabledReason });
    ctx.logger.warn({ endpointId: message.endpointId, reason: recorded.disabledReason }, "webhook endpoint disabled");
  }
  ctx.logger.debug(
    { messageId: message.id, endpointId: message.endpointId, eventType: message.eventType, attempt: attemptsMade, kind, statusCode: result.statusCode, error: result.error },
    "webhook attempt",
  );
  if (recorded.next) await ctx.handOff(recorded.next).catch(() => undefined); // its lease brings it back
  return { kind, statusCode: result.statusCode, error: result.error };
}
