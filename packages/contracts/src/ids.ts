import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random, unguessable ids with a readable type prefix: call_…, org_…, agt_…, key_… */
export function newId(prefix: "call" | "org" | "agt" | "tok" | "sec" | "sim" | "we" | "msg" | "evt" | "usr" | "key"): string {
  const bytes = randomBytes(20);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % 36];
  return `${prefix}_${out}`;
}
