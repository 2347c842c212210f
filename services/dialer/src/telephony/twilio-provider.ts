import { isTwilioCallStatus, twilioEventOf } from "@inbound/contracts";
import twilio from "twilio";
import {
  type CallRef,
  type ConnectedCallRecord,
  type DialTarget,
  type ProviderCallState,
  ProviderError,
  type TelephonyProvider,
} from "./provider";

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** The caller id (TWILIO_FROM_NUMBER). */
  fromNumber: string;
  /** PUBLIC_BASE_URL: Twilio posts status callbacks to `${publicBaseUrl}/v1/provider-callbacks/twilio`. */
  publicBaseUrl: string;
  /** Tests only: send the library's REST requests to this base URL (a local Twilio-protocol peer). */
  apiBaseUrl?: string;
  /** Answering machine detection; off by default (it delays the answered event by seconds). */
  machineDetection?: boolean;
}

/** What the call says once answered: a placeholder until the agent's voice pipeline is wired to <Connect>. */
const TWIML = '<Response><Pause length="1"/></Response>';

/**
 * Twilio through its official library (SPEC §8). placeCall creates the call with a status callback to the
 * ingress (initiated, ringing, answered, completed; POST) whose URL carries our call id and attempt, so
 * every callback names its call even if this process died before recording Twilio's CallSid. Twilio's
 * statuses map to our events in twilioEventOf. A 4xx from Twilio (bad number, account limits) is a
 * permanent dial failure; 5xx, 429 and network errors are transient (the dialer retries).
 */
export class TwilioProvider implements TelephonyProvider {
  /** Twilio is asked by its CallSid only: a dial whose CallSid we never got may still exist. */
  readonly findsCallsByOurReference = false;
  readonly name = "twilio";
  private readonly client: ReturnType<typeof twilio>;

  constructor(private readonly options: TwilioOptions) {
    this.client = twilio(options.accountSid, options.authToken, {
      httpClient: options.apiBaseUrl ? redirectedHttpClient(options.apiBaseUrl) : undefined,
    });
  }

  async placeCall(target: DialTarget, signal: AbortSignal): Promise<{ providerCallId: string }> {
    signal.throwIfAborted();
    const callback = new URL("/v1/provider-callbacks/twilio", this.options.publicBaseUrl);
    callback.searchParams.set("call_id", target.callId);
    callback.searchParams.set("attempt", String(target.attempt));
    try {
      const call = await this.client.calls.create({
        to: target.toNumber,
        from: this.options.fromNumber,
        twiml: TWIML,
        statusCallback: callback.toString(),
        statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
        statusCallbackMethod: "POST",
        ...(this.options.machineDetection ? { machineDetection: "Enable" } : {}),
      });
      return { providerCallId: call.sid };
    } catch (error) {
      throw providerErrorOf(error);
    }
  }

  async hangUp(ref: CallRef): Promise<void> {
    if (!ref.providerCallId) return;
    try {
      await this.client.calls(ref.providerCallId).update({ status: "completed" });
    } catch (error) {
      if (statusOf(error) === 404) return; // already gone
      throw providerErrorOf(error);
    }
  }

  async getCall(ref: CallRef): Promise<ProviderCallState> {
    // Twilio cannot be searched by our call id: without its CallSid the call is unknown to us.
    if (!ref.providerCallId) return { state: "unknown" };
    let call: { sid: string; status: string; duration?: string | null };
    try {
      call = await this.client.calls(ref.providerCallId).fetch();
    } catch (error) {
      if (statusOf(error) === 404) return { state: "unknown" };
      throw providerErrorOf(error);
    }
    const status = call.status;
    const mapped = isTwilioCallStatus(status) ? twilioEventOf(status) : null;
    if (!mapped) return { state: "placed", providerCallId: call.sid };
    if (mapped.kind === "ringing" || mapped.kind === "answered")
      return { state: "up", providerCallId: call.sid, event: mapped.kind };
    const duration = Number(call.duration);
    return {
      state: "ended",
      providerCallId: call.sid,
      event: mapped.kind,
      endReason: mapped.endReason ?? null,
      durationSeconds: Number.isFinite(duration) ? duration : null,
    };
  }

  async retrieveCall(ref: CallRef): Promise<ConnectedCallRecord | null> {
    if (!ref.providerCallId) return null;
    const recordings = await this.client.recordings.list({ callSid: ref.providerCallId, limit: 20 });
    const first = recordings[0];
    return {
      transcript: null, // Twilio keeps no transcript of a plain call; the agent's pipeline would provide it
      recording: first
        ? {
            url: `https://api.twilio.com/2010-04-01/Accounts/${this.options.accountSid}/Recordings/${first.sid}`,
            format: "audio/wav",
            duration_seconds: Number(first.duration) || 0,
            provider: this.name,
            provider_call_id: ref.providerCallId,
          }
        : null,
    };
  }

  async deleteArtifacts(input: { callId: string; providerCallIds: string[] }): Promise<void> {
    for (const callSid of input.providerCallIds) {
      const recordings = await this.client.recordings.list({ callSid, limit: 100 });
      for (const recording of recordings) {
        try {
          await this.client.recordings(recording.sid).remove();
        } catch (error) {
          if (statusOf(error) !== 404) throw providerErrorOf(error);
        }
      }
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === "number" ? status : undefined;
}

/** Twilio's error as ours: a stable, PII-free code (`twilio_<code>`), transient for 429/5xx/network. */
function providerErrorOf(error: unknown): ProviderError {
  const status = statusOf(error);
  const code = (error as { code?: unknown })?.code;
  if (status === undefined) return new ProviderError("twilio_unreachable", true);
  const transient = status === 429 || status >= 500;
  return new ProviderError(typeof code === "number" ? `twilio_${code}` : `twilio_http_${status}`, transient);
}

/**
 * The library's documented httpClient option, with every request sent to baseUrl instead of
 * https://api.twilio.com (and its other hosts): the path and query stay as the library built them.
 */
function redirectedHttpClient(baseUrl: string) {
  const inner = new twilio.RequestClient();
  return {
    request(opts: Parameters<typeof inner.request>[0]) {
      const original = new URL(opts.uri);
      return inner.request({ ...opts, uri: new URL(original.pathname + original.search, baseUrl).toString() });
    },
  } as unknown as InstanceType<typeof twilio.RequestClient>;
}
