import { normalizePhoneNumber } from "./phone";

test.each([
  ["+14155552671", "+14155552671"],
  ["+1 (415) 555-2671", "+14155552671"],
  ["+1.415.555.2671", "+14155552671"],
  ["+1 415/555 2671", "+14155552671"],
  ["+91 98765 43210", "+919876543210"],
  ["(+91) 98765-43210", "+919876543210"],
  ["0091 98765 43210", "+919876543210"],
  ["0044 20 7946 0958", "+442079460958"],
  ["+44 (0)20 7946 0958", "+442079460958"],
  ["\u00a0+55 11 98765-4321\t", "+5511987654321"],
])("%j → %s", (input, e164) => {
  expect(normalizePhoneNumber(input)).toEqual({ ok: true, e164 });
});

test.each(["9876543210", "(415) 555-2671", "098765 43210", "415-555-2671"])("%j has no country code", (input) => {
  expect(normalizePhoneNumber(input)).toEqual({ ok: false, reason: "no_country_code" });
});

test.each([
  "",
  "+",
  "+1",
  "+919876",
  "+999999999999",
  "0091987654321",
  "+1 800 FLOWERS",
  "+1 415 555 2671 ext 3",
  "+91+9876543210",
  "++14155552671",
  "+0 415 555 2671",
  "00",
])("%j is not a valid number", (input) => {
  expect(normalizePhoneNumber(input)).toEqual({ ok: false, reason: "invalid" });
});
