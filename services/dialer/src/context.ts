import { isTerminal } from "@inbound/contracts";
import { type PrismaClient, type TransitionRequest, type TransitionResult, transitionCall } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import type { DialerMetrics } from "./metrics";
import type { TelephonyProvider } from "./telephony/provider";

/** What the use cases need, passed in (no module-level state). */
export interface DialerContext {
  prisma: PrismaClient;
  provider: TelephonyProvider;
  logger: Logger;
  metrics: DialerMetrics;
  dial: { maxAttempts: number; backoffMs: number };
}

/** transitionCall, plus one log line per transition (ids and states only: never PII) and the terminal metric. */
export async function moveCall(ctx: DialerContext, request: TransitionRequest): Promise<TransitionResult> {
  const result = await transitionCall(ctx.prisma, request);
  if (result.moved) {
    ctx.logger.info(
      {
        callId: request.callId,
        from: request.from,
        to: request.to,
        requestId: result.call.requestId ?? undefined,
        attempts: result.call.attempts,
        endReason: request.endReason,
        refunded: result.call.refunded || undefined,
      },
      "call transition",
    );
    if (isTerminal(request.to)) ctx.metrics.callsEnded.inc({ status: request.to });
  }
  return result;
}
