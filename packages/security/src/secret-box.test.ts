import { createCipheriv, randomBytes } from "node:crypto";
import { SecretBox } from "./secret-box";

const KEY = "a1".repeat(32);
const box = new SecretBox(KEY);

/** A value sealed the way the first version did (v1: no additional data), as rows written before v2 hold. */
function sealV1(plaintext: string, hexKey = KEY): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(hexKey, "hex"), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

test("a sealed value opens for its organisation, and the format says its version", () => {
  const sealed = box.seal("whsec_abc", "org_1");
  expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  expect(sealed).not.toContain("whsec_abc");
  expect(box.open(sealed, "org_1")).toBe("whsec_abc");
});

test("bound to its organisation: opening it as another organisation's fails", () => {
  const sealed = box.seal("whsec_abc", "org_1");
  expect(() => box.open(sealed, "org_2")).toThrow();
  expect(() => box.open(sealed, "")).toThrow();
});

test("values sealed before the binding (v1) still open", () => {
  expect(box.open(sealV1("legacy-secret"), "org_1")).toBe("legacy-secret");
});

test("the tag length is pinned to 16 bytes: a truncated tag never opens", () => {
  const [version, iv, tag, body] = box.seal("whsec_abc", "org_1").split(".") as [string, string, string, string];
  const short = Buffer.from(tag, "base64url").subarray(0, 4).toString("base64url");
  expect(() => box.open([version, iv, short, body].join("."), "org_1")).toThrow();
  const [v1, iv1, tag1, body1] = sealV1("legacy").split(".") as [string, string, string, string];
  const short1 = Buffer.from(tag1, "base64url").subarray(0, 12).toString("base64url");
  expect(() => box.open([v1, iv1, short1, body1].join("."), "org_1")).toThrow();
});

test("another key, a tampered body, or an unknown format does not open", () => {
  const sealed = box.seal("whsec_abc", "org_1");
  expect(() => new SecretBox("b2".repeat(32)).open(sealed, "org_1")).toThrow();
  const [version, iv, tag, body] = sealed.split(".") as [string, string, string, string];
  const flipped = Buffer.from(body, "base64url");
  flipped[0] = (flipped[0] as number) ^ 1;
  expect(() => box.open([version, iv, tag, flipped.toString("base64url")].join("."), "org_1")).toThrow();
  expect(() => box.open(`v3.${iv}.${tag}.${body}`, "org_1")).toThrow("Unrecognised sealed secret");
});
