import { DEFAULT_CALLING_HOURS, effectiveCallingHours, isWithinCallingHours, nextOpening, parseCallingHours } from "./calling-hours";
import { fakeClock } from "./clock";
import { decideDial } from "./decide-dial";
import { effectiveZones, zonesOf } from "./time-zones";

const TCPA = DEFAULT_CALLING_HOURS; // 08:00–21:00

describe("time zones from the number (libphonenumber's map, longest prefix)", () => {
  test("India is one zone; US area codes name their zone; a multi-zone country is split by area code", () => {
    expect(zonesOf("+919876543210")).toEqual({ zones: ["Asia/Calcutta"], prefix: "91", ambiguous: false });
    expect(zonesOf("+12125550123").zones).toEqual(["America/New_York"]);
    expect(zonesOf("+14155552671").zones).toEqual(["America/Los_Angeles"]);
    // Russia spans eleven zones: Moscow's and Vladivostok's numbers get their own.
    expect(zonesOf("+74951234567").zones).toEqual(["Europe/Moscow"]);
    expect(zonesOf("+74232123456").zones).toEqual(["Asia/Vladivostok"]);
  });

  test("an ambiguous number gets every zone it may be in", () => {
    expect(zonesOf("+19075550100")).toEqual({ zones: ["America/Adak", "America/Anchorage"], prefix: "1907", ambiguous: true });
    // Toll-free: known only by its country code, so every zone of the North American Numbering Plan.
    const tollFree = zonesOf("+18005550100");
    expect(tollFree.prefix).toBe("1");
    expect(tollFree.zones).toEqual(expect.arrayContaining(["America/New_York", "Pacific/Honolulu", "Pacific/Guam"]));
    expect(effectiveZones("+18005550100").length).toBeGreaterThan(30);
  });
});

describe("calling hours", () => {
  test("India: 20:59 IST is inside, 21:00 is outside; deferred to 08:00 IST next morning", () => {
    const india = effectiveZones("+919876543210");
    expect(isWithinCallingHours(TCPA, india, new Date("2026-11-30T15:29:00Z"))).toBe(true); // 20:59 IST
    expect(isWithinCallingHours(TCPA, india, new Date("2026-11-30T15:30:00Z"))).toBe(false); // 21:00 IST
    expect(nextOpening(TCPA, india, new Date("2026-11-30T15:30:00Z"))?.toISOString()).toBe("2026-12-01T02:30:00.000Z");
    expect(nextOpening(TCPA, india, new Date("2026-11-30T01:00:00Z"))?.toISOString()).toBe("2026-11-30T02:30:00.000Z");
  });

  test("the US across zones: 08:30 in New York is 05:30 in San Francisco (PST), which waits for 16:00Z", () => {
    const at = new Date("2026-11-30T13:30:00Z");
    expect(decideDial({ notBefore: null, notAfter: null, hours: TCPA, zones: effectiveZones("+12125550123") }, at)).toEqual({
      decision: "dial_now",
    });
    expect(decideDial({ notBefore: null, notAfter: null, hours: TCPA, zones: effectiveZones("+14155552671") }, at)).toEqual({
      decision: "defer",
      until: new Date("2026-11-30T16:00:00Z"),
      reason: "calling_hours",
    });
  });

  test("daylight saving: Los Angeles opens at 15:00Z in summer (PDT), 16:00Z in winter (PST)", () => {
    const la = ["America/Los_Angeles"];
    expect(nextOpening(TCPA, la, new Date("2026-07-01T10:00:00Z"))?.toISOString()).toBe("2026-07-01T15:00:00.000Z");
    expect(nextOpening(TCPA, la, new Date("2026-12-01T10:00:00Z"))?.toISOString()).toBe("2026-12-01T16:00:00.000Z");
  });

  test("a multi-zone country: Moscow and Vladivostok numbers open seven hours apart", () => {
    const from = new Date("2026-11-30T00:00:00Z"); // 03:00 Moscow, 10:00 Vladivostok
    expect(decideDial({ notBefore: null, notAfter: null, hours: TCPA, zones: effectiveZones("+74232123456") }, from)).toEqual({
      decision: "dial_now",
    });
    expect(nextOpening(TCPA, effectiveZones("+74951234567"), from)?.toISOString()).toBe("2026-11-30T05:00:00.000Z");
  });

  test("an ambiguous number is called only when the window holds in all of its zones", () => {
    const alaska = effectiveZones("+19075550100"); // Adak (UTC-10) and Anchorage (UTC-9) in winter
    // 08:30 in Anchorage is 07:30 in Adak: wait for 08:00 in Adak = 18:00Z.
    expect(nextOpening(TCPA, alaska, new Date("2026-11-30T17:30:00Z"))?.toISOString()).toBe("2026-11-30T18:00:00.000Z");
    // And it closes when the first zone closes: 21:00 Anchorage = 06:00Z.
    expect(isWithinCallingHours(TCPA, alaska, new Date("2026-12-01T05:59:00Z"))).toBe(true);
    expect(isWithinCallingHours(TCPA, alaska, new Date("2026-12-01T06:00:00Z"))).toBe(false);
    // Toll-free: every NANP zone from Guam to St John's; their common window exists and is found.
    const tollFree = effectiveZones("+18005550100");
    const opening = nextOpening(TCPA, tollFree, new Date("2026-11-30T12:00:00Z")) as Date;
    expect(opening).not.toBeNull();
    expect(tollFree.every((zone) => isWithinCallingHours(TCPA, [zone], opening))).toBe(true);
    expect(isWithinCallingHours(TCPA, tollFree, new Date(opening.getTime() - 1000))).toBe(false);
  });

  test("zones too far apart for a narrow window: no opening at all", () => {
    const narrow = parseCallingHours({ start: "09:00", end: "10:00" });
    if ("error" in narrow) throw new Error(narrow.error);
    expect(nextOpening(narrow, ["Asia/Tokyo", "America/New_York"], new Date("2026-11-30T00:00:00Z"))).toBeNull();
  });

  test("a create may narrow the organisation's hours, never widen them; with the guard off it applies as given", () => {
    const asked = { startMinute: 7 * 60, endMinute: 12 * 60 };
    expect(effectiveCallingHours({ guard: true, organisation: TCPA, requested: asked })).toEqual({ startMinute: 480, endMinute: 720 });
    expect(effectiveCallingHours({ guard: true, organisation: TCPA, requested: null })).toEqual(TCPA);
    expect(effectiveCallingHours({ guard: false, organisation: TCPA, requested: asked })).toEqual(asked);
    expect(effectiveCallingHours({ guard: false, organisation: TCPA, requested: null })).toBeNull();
    expect(effectiveCallingHours({ guard: true, organisation: TCPA, requested: { startMinute: 360, endMinute: 420 } })).toHaveProperty(
      "error",
    );
    expect(parseCallingHours({ start: "21:00", end: "08:00" })).toHaveProperty("error");
    expect(parseCallingHours({ start: "8:00", end: "21:00" })).toHaveProperty("error");
    expect(parseCallingHours({ start: "00:00", end: "24:00" })).toEqual({ startMinute: 0, endMinute: 1440 });
  });
});

describe("re-checked at dial time (fake clock)", () => {
  test("due at 20:59, waited 2 minutes in the queue → deferred again to the next opening", () => {
    const clock = fakeClock("2026-11-30T15:29:00Z"); // 20:59 IST
    const window = { notBefore: null, notAfter: null, hours: TCPA, zones: effectiveZones("+919876543210") };
    expect(decideDial(window, clock.now())).toEqual({ decision: "dial_now" });
    clock.advance(2 * 60_000); // 21:01 IST, right before the dial
    expect(decideDial(window, clock.now())).toEqual({
      decision: "defer",
      until: new Date("2026-12-01T02:30:00Z"),
      reason: "calling_hours",
    });
  });

  test("not_before defers to itself; not_after passes → expire; an opening only after not_after → expire", () => {
    const clock = fakeClock("2026-11-30T10:00:00Z"); // 15:30 IST
    const zones = effectiveZones("+919876543210");
    const notBefore = new Date("2026-11-30T11:00:00Z");
    const notAfter = new Date("2026-11-30T16:00:00Z"); // 21:30 IST
    expect(decideDial({ notBefore, notAfter, hours: TCPA, zones }, clock.now())).toEqual({
      decision: "defer",
      until: notBefore,
      reason: "not_before",
    });
    clock.set("2026-11-30T15:40:00Z"); // 21:10 IST: closed, and it opens again only after not_after
    expect(decideDial({ notBefore, notAfter, hours: TCPA, zones }, clock.now())).toEqual({
      decision: "expire",
      reason: "no_opening_before_not_after",
    });
    clock.set("2026-11-30T16:00:00Z");
    expect(decideDial({ notBefore, notAfter, hours: null, zones }, clock.now())).toEqual({ decision: "expire", reason: "not_after" });
  });

  test("not_before at night waits for the opening, not for not_before", () => {
    const notBefore = new Date("2026-11-30T18:00:00Z"); // 23:30 IST
    expect(
      decideDial({ notBefore, notAfter: null, hours: TCPA, zones: ["Asia/Calcutta"] }, new Date("2026-11-30T10:00:00Z")),
    ).toEqual({ decision: "defer", until: new Date("2026-12-01T02:30:00Z"), reason: "calling_hours" });
  });
});
