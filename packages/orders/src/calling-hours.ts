/**
 * Calling hours in the recipient's local time (SPEC §9): a daily window [start, end) applied in EVERY time zone
 * of the destination number (a number that spans several zones may be called only when the window holds in
 * all of them). Pure and clock-free: callers pass the instant to judge.
 */

/** A daily window in local time, minutes after midnight: start inclusive, end exclusive, start < end. */
export interface CallingHours {
  startMinute: number;
  endMinute: number;
}

/** The US TCPA window, every organisation's default. */
export const DEFAULT_CALLING_HOURS: CallingHours = { startMinute: 8 * 60, endMinute: 21 * 60 };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "08:00" → 480; "24:00" (end of day) → 1440; null when not HH:MM. */
export function parseClockTime(text: string): number | null {
  if (text === "24:00") return 1440;
  const match = HHMM.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function formatClockTime(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

/** {start:"08:00", end:"21:00"} → CallingHours, or a reason it is not one. */
export function parseCallingHours(value: { start: string; end: string }): CallingHours | { error: string } {
  const startMinute = parseClockTime(value.start);
  const endMinute = parseClockTime(value.end);
  if (startMinute === null || startMinute === 1440) return { error: "start must be a local time HH:MM, e.g. 08:00" };
  if (endMinute === null) return { error: "end must be a local time HH:MM, e.g. 21:00 (24:00 for midnight)" };
  if (endMinute <= startMinute) return { error: "end must be later than start on the same day" };
  return { startMinute, endMinute };
}

export function formatCallingHours(hours: CallingHours): { start: string; end: string } {
  return { start: formatClockTime(hours.startMinute), end: formatClockTime(hours.endMinute) };
}

/**
 * The window a call gets: a create's own calling_hours may only narrow the organisation's (their overlap),
 * never widen it; with the organisation's guard off, the create's own window applies as given, and none at all
 * without one. Null window = call at any hour. `{ error }` when the two do not overlap.
 */
export function effectiveCallingHours(input: {
  guard: boolean;
  organisation: CallingHours;
  requested?: CallingHours | null;
}): CallingHours | null | { error: string } {
  const { guard, organisation, requested } = input;
  if (!guard) return requested ?? null;
  if (!requested) return organisation;
  const startMinute = Math.max(organisation.startMinute, requested.startMinute);
  const endMinute = Math.min(organisation.endMinute, requested.endMinute);
  if (endMinute <= startMinute) {
    const org = formatCallingHours(organisation);
    return { error: `calling_hours must overlap the organisation's calling hours ${org.start}–${org.end}` };
  }
  return { startMinute, endMinute };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(zone, format);
  }
  return format;
}

/** Seconds since local midnight in `zone` at `at` (wall clock, DST included). */
export function localSecondOfDay(at: Date, zone: string): number {
  let h = 0;
  let m = 0;
  let s = 0;
  for (const part of formatter(zone).formatToParts(at)) {
    if (part.type === "hour") h = Number(part.value);
    else if (part.type === "minute") m = Number(part.value);
    else if (part.type === "second") s = Number(part.value);
  }
  return h * 3600 + m * 60 + s;
}

/** True when it is a valid IANA zone name this runtime knows. */
export function isKnownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Is `at` inside the window in every zone? */
export function isWithinCallingHours(hours: CallingHours, zones: readonly string[], at: Date): boolean {
  return zones.every((zone) => secondsUntilOpen(hours, localSecondOfDay(at, zone)) === 0);
}

/** 0 when the local second is inside [start, end); else seconds until the next local start. */
function secondsUntilOpen(hours: CallingHours, second: number): number {
  const start = hours.startMinute * 60;
  const end = hours.endMinute * 60;
  if (second >= start && second < end) return 0;
  return second < start ? start - second : 86_400 - second + start;
}

/** How far ahead an opening is looked for: a week and a day covers every weekly pattern and DST change. */
export const OPENING_SEARCH_HORIZON_MS = 8 * 86_400_000;

/**
 * The first instant at or after `from` when the window holds in every zone, or null when there is none within
 * OPENING_SEARCH_HORIZON_MS (zones too far apart for the window). Jumps to the latest of the zones' next
 * openings and checks again, so it takes a few steps, not a scan. Around a DST change the jump can land up to
 * an hour after the true opening: it errs late (never calls outside the window).
 */
export function nextOpening(hours: CallingHours, zones: readonly string[], from: Date): Date | null {
  let at = from.getTime();
  const horizon = at + OPENING_SEARCH_HORIZON_MS;
  for (let step = 0; step < 64 && at <= horizon; step++) {
    let wait = 0;
    for (const zone of zones) wait = Math.max(wait, secondsUntilOpen(hours, localSecondOfDay(new Date(at), zone)));
    if (wait === 0) return new Date(at);
    // Whole seconds from the start of this second: openings are on the minute.
    at = Math.floor(at / 1000) * 1000 + wait * 1000;
  }
  return null;
}

/** The instant the window closes in the first of the zones to close, after `at` (which must be inside it). */
export function windowClosesAt(hours: CallingHours, zones: readonly string[], at: Date): Date {
  let left = Number.POSITIVE_INFINITY;
  for (const zone of zones) left = Math.min(left, hours.endMinute * 60 - localSecondOfDay(at, zone));
  return new Date(Math.floor(at.getTime() / 1000) * 1000 + left * 1000);
}
