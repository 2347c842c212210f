import type { AttemptOutcome, AttemptRecord, ClaimedMessage } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { signStandardWebhook } from "@inbound/security";
import type { WebhookMetrics } from "./metrics";
import type { Poster } from "./post-event";
import { webhookBody } from "./webhook-body";

export interface DeliveryContext {
  poster: Poster;
  logger: Logger;
  metrics: WebhookMetrics;
  /** The endpoint's signing secret from its sealed form (SecretBox.open, bound to the endpoint id). */
  openSecret(sealed: string, endpointId: string): string;
  /** Records the attempt (batched with others: see recordAttempts). */
  record(attempt: AttemptRecord): Promise<AttemptOutcome>;
  /** Delay before each attempt (ms): attempt n+1 waits schedule[n] after attempt n failed. */
  schedule: readonly number[];
}

export type DeliveryOutcome = {
  kind: "delivered" | "retry" | "failed" | "gone" | "blocked";
  statusCode: number | null;
  error: string | null;
};

/**
 * One delivery attempt of a claimed message (see claimDueMessages): sign with every valid secret of the
 * endpoint (Standard Webhooks: webhook-id = the event id, the same on every retry; webhook-timestamp = now),
 * POST, and record the attempt (recordAttempts, batched with the other attempts finishing meanwhile). Never
 * throws for the receiver's failures: they are the attempt's outcome. A crash anywhere, or a failed
 * recording, leaves the message pending under its claim's lease: it is claimed again when the lease runs out.
 */
export async function deliverMessage(ctx: DeliveryContext, message: ClaimedMessage): Promise<DeliveryOutcome> {
  const body = webhookBody(message.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const secrets = message.sealedSecrets.map((sealed) => ctx.openSecret(sealed, message.endpointId));
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
  const recorded = await ctx.record({
    id: message.id,
    handoff: message.handoff,
    succeeded: result.ok,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    error: result.error,
    gone,
    retryInMs,
  });
  if (recorded.disabledReason) {
    ctx.metrics.endpointsDisabled.inc({ reason: recorded.disabledReason });
    ctx.logger.warn({ endpointId: message.endpointId, reason: recorded.disabledReason }, "webhook endpoint disabled");
  }
  if (ctx.logger.isLevelEnabled("debug")) {
    ctx.logger.debug(
      {
        messageId: message.id,
        endpointId: message.endpointId,
        eventType: message.eventType,
        attempt: attemptsMade,
        kind,
        statusCode: result.statusCode,
        error: result.error,
      },
      "webhook attempt",
    );
  }
  return { kind, statusCode: result.statusCode, error: result.error };
}
