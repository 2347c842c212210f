import { parsePhoneNumberFromString } from "libphonenumber-js/max";

/** What CRMs put around the digits: spaces (also non-breaking), dots, dashes, slashes, parentheses. */
const FORMATTING = /[\s.\-/()]/g;
const ALLOWED = /^[+0-9\s.\-/()]+$/;

export type PhoneNumberCheck =
  | { ok: true; e164: string }
  /** no_country_code: neither + nor 00 in front; invalid: not a number of its country (or stray characters). */
  | { ok: false; reason: "no_country_code" | "invalid" };

/**
 * A phone number as CRMs export it (`+1 (415) 555-2671`, `+91 98765 43210`, `0044 20 7946 0958`) →
 * E.164 (`+14155552671`), when it carries its country code (a leading + or the 00 international prefix)
 * and libphonenumber's full metadata says it is a valid number of that country. Letters (vanity numbers)
 * and extensions are refused: a call needs exactly one dialable number.
 */
export function normalizePhoneNumber(input: string): PhoneNumberCheck {
  const text = input.trim();
  if (!ALLOWED.test(text)) return { ok: false, reason: "invalid" };
  let compact = text.replace(FORMATTING, "");
  if (compact.startsWith("00")) compact = `+${compact.slice(2)}`;
  if (!compact.startsWith("+")) return { ok: false, reason: /^\d+$/.test(compact) ? "no_country_code" : "invalid" };
  if (!/^\+[1-9]\d{1,16}$/.test(compact)) return { ok: false, reason: "invalid" };
  const parsed = parsePhoneNumberFromString(compact);
  if (!parsed?.isValid() || parsed.ext) return { ok: false, reason: "invalid" };
  return { ok: true, e164: parsed.number };
}

export const CONTACT_NUMBER_EXAMPLE = "+919876543210";

/** The message of a refused contact_number: what is wrong, and an example that works. */
export function contactNumberMessage(reason: "no_country_code" | "invalid"): string {
  return reason === "no_country_code"
    ? `contact_number is missing its country code: start it with + or 00 and the country code, e.g. ${CONTACT_NUMBER_EXAMPLE} or +1 (415) 555-2671`
    : `contact_number must be a valid phone number including the country code, e.g. ${CONTACT_NUMBER_EXAMPLE}`;
}
