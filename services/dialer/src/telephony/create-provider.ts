import type { Config } from "@inbound/config";
import type { SqlClient } from "@inbound/db";
import type { TelephonyProvider } from "./provider";
import { SimulatedProvider } from "./simulated-provider";
import { TwilioProvider } from "./twilio-provider";

/** The provider TELEPHONY_PROVIDER names (config already refused a half Twilio configuration). */
export function createProvider(config: Config, sql: SqlClient, onBackgroundError: (error: unknown) => void): TelephonyProvider {
  if (config.TELEPHONY_PROVIDER === "twilio") {
    return new TwilioProvider({
      accountSid: config.TWILIO_ACCOUNT_SID as string,
      authToken: config.TWILIO_AUTH_TOKEN as string,
      fromNumber: config.TWILIO_FROM_NUMBER as string,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      apiBaseUrl: config.TWILIO_API_BASE_URL,
    });
  }
  return new SimulatedProvider(
    sql,
    {
      ringMs: config.SIM_RING_MS,
      talkMs: config.SIM_TALK_MS,
      noAnswerMs: config.SIM_NO_ANSWER_MS,
      tickMs: config.SIM_TICK_MS,
      placeMs: config.SIM_PLACE_MS,
      settleMs: config.DATABASE_TIMEOUT_MS,
    },
    {},
    onBackgroundError,
  );
}
