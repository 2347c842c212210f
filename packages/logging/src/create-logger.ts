import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

const SECRET_KEYS = [
  "token",
  "webhook_token",
  "webhookToken",
  "secret",
  "signing_secret",
  "signingSecret",
  "signature",
  "authorization",
  "x-inbound-signature",
  "contact_number",
  "contactNumber",
  "contact_name",
  "contactName",
  "contact_email",
  "contactEmail",
  "additional_info",
  "additionalInfo",
  "transcript",
  "body",
  "password",
];

/** pino redact paths: each sensitive key at the top level and up to two levels down. */
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string) => (k.startsWith("[") ? `${prefix}${k}` : `${prefix}.${k}`);
  return [k, join("*"), join("*.*")];
});

/** The webhook path holds the token: keep only its first characters. */
export function redactUrl(url: string): string {
  return url.replace(/(\/v1\/hooks\/)([^/?#]{0,6})[^/?#]*/, "$1$2…");
}

export function createLogger(options: { level: string; name: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.name },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A connection URL with its password replaced by ***, fit for a message or a log line. */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
