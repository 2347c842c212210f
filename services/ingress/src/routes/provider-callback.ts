import { isTwilioCallStatus, type ProviderEvent, twilioEventOf } from "@inbound/contracts";
import { BatcherFullError, createBatcher, isDatabaseUnavailable, recordProviderEvents, type SqlClient } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import express, { type Express, type Request, type Response } from "express";
import twilio from "twilio";

export const TWILIO_CALLBACK_ROUTE = "/v1/provider-callbacks/twilio";

export interface ProviderCallbackDeps {
  sql: SqlClient;
  logger: Logger;
  /** The public base URL Twilio was given (PUBLIC_BASE_URL): the signature covers the URL as Twilio saw it. */
  publicBaseUrl: string;
  twilioAuthToken: string;
  /** Most events waiting for their INSERT; past it a callback is answered 503 at once (Twilio retries it). */
  maxWaiting?: number;
}

/** Group commit of the callbacks' INSERTs: up to two statements in flight, the events arriving meanwhile go together. */
const RECORD_BATCHING = { maxBatch: 200, concurrency: 2, failWaitingWhenUnavailable: true } as const;

/**
 * Twilio's status callbacks (SPEC §8). Per request: verify X-Twilio-Signature with the twilio library's own
 * validator against the public URL Twilio requested (PUBLIC_BASE_URL + path and query: behind a proxy the
 * URL this process sees is not the one Twilio signed), map CallStatus to a provider event, record it in
 * provider_events, answer 204 once its row is committed. The INSERTs of callbacks arriving together
 * are group-committed (one multi-row statement, one commit, for all of them: recordProviderEvents), which is
 * what lets the route absorb thousands of callbacks a second; each callback is still answered only after
 * the statement holding its row committed. Nothing else runs here: the dialers apply the event from
 * Postgres, so a callback is never lost while they are busy or down, and the answer is fast. A refused
 * callback (403) is logged with the reason only: no number, no parameter values.
 */
export function mountProviderCallbacks(app: Express, deps: ProviderCallbackDeps): void {
  const form = express.urlencoded({ extended: false, limit: "16kb" });
  const record = createBatcher((events: ProviderEvent[]) => recordProviderEvents(deps.sql, events), {
    ...RECORD_BATCHING,
    maxWaiting: deps.maxWaiting ?? 2000,
  });
  // The URL Twilio requested: the public origin, then the path and query as received (what new URL(path,
  // base) gives, without parsing per request; the validator also tries the normalised forms).
  const origin = new URL(deps.publicBaseUrl).origin;
  app.post(TWILIO_CALLBACK_ROUTE, form, async (req: Request, res: Response) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const signature = req.headers["x-twilio-signature"];
    const url = origin + req.originalUrl;
    if (typeof signature !== "string" || !signature || !twilio.validateRequest(deps.twilioAuthToken, signature, url, params)) {
      deps.logger.warn({ reason: signature ? "invalid_signature" : "missing_signature" }, "twilio callback refused");
      res.status(403).json({
        success: false,
        error: { code: signature ? "invalid_signature" : "missing_signature", message: "bad Twilio signature" },
      });
      return;
    }
    const callId = typeof req.query.call_id === "string" ? req.query.call_id : "";
    const attempt = Number(req.query.attempt);
    const status = params.CallStatus;
    if (!callId || !Number.isInteger(attempt) || attempt < 1 || !isTwilioCallStatus(status)) {
      deps.logger.warn({ reason: "unexpected_parameters" }, "twilio callback ignored");
      res.status(204).end(); // signed by Twilio but not one of ours: nothing to retry
      return;
    }
    const mapped = twilioEventOf(status);
    if (!mapped) {
      res.status(204).end(); // queued / initiated: the call stays dialing
      return;
    }
    const duration = Number(params.CallDuration);
    const event: ProviderEvent = {
      provider: "twilio",
      providerCallId: typeof params.CallSid === "string" ? params.CallSid : null,
      callId,
      attempt,
      kind: mapped.kind,
      endReason: mapped.endReason ?? null,
      durationSeconds: mapped.kind === "completed" && Number.isFinite(duration) ? duration : null,
    };
    try {
      await record(event);
      res.status(204).end();
    } catch (error) {
      const busy = error instanceof BatcherFullError;
      deps.logger.error(
        { callId, kind: event.kind, unavailable: isDatabaseUnavailable(error), busy },
        "twilio callback not recorded",
      );
      res.setHeader("Retry-After", "5");
      res.status(503).json({ success: false, error: { code: "service_unavailable", message: "try again" } });
    }
  });
}
