import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_SECRETS_KEY_FILE } from "@inbound/config";

export type LocalKey = { file: string; created: boolean } | null;

/**
 * `pnpm start` outside production with no SECRETS_KEY: uses the local key in SECRETS_KEY_FILE (default
 * .local/secrets-key), generating it (32 random bytes, hex, mode 0600) the first time and keeping it, so
 * signing secrets sealed today still open tomorrow. Sets env.SECRETS_KEY for the services it starts.
 * Returns null when SECRETS_KEY is given (or in production/test, where the config decides).
 */
export function ensureLocalSecretsKey(env: NodeJS.ProcessEnv, cwd: string): LocalKey {
  if (env.SECRETS_KEY || env.NODE_ENV === "production" || env.NODE_ENV === "test") return null;
  const file = path.resolve(cwd, env.SECRETS_KEY_FILE || DEFAULT_SECRETS_KEY_FILE);
  let created = false;
  let key: string;
  try {
    key = readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    key = randomBytes(32).toString("hex");
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // wx: never overwrite a key another process just wrote.
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  }
  env.SECRETS_KEY = key;
  return { file, created };
}
