import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/** Dashboard passwords: argon2id (the library's default algorithm) with its default cost. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** False for a wrong password AND for a malformed or missing hash (the library throws on those). */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A one-time set-password token (256 random bits): shown once in a link, stored as its SHA-256. */
export function generateSetupToken(): { token: string; tokenHash: string } {
  const token = `pwd_${randomBytes(32).toString("base64url")}`;
  return { token, tokenHash: hashSetupToken(token) };
}

export function hashSetupToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
