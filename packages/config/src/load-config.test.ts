import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "./load-config";

const KEY = "3f".repeat(32);
const dir = mkdtempSync(path.join(tmpdir(), "config-"));
const missing = path.join(dir, "missing");

function problem(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("loadConfig accepted it");
}

describe("SECRETS_KEY", () => {
  test("outside tests an all-zero key is refused, in development too", () => {
    expect(problem({ NODE_ENV: "development", SECRETS_KEY: "0".repeat(64) })).toMatch(/SECRETS_KEY must not be all zeros/);
    expect(problem({ NODE_ENV: "production", SECRETS_KEY: "0".repeat(64) })).toMatch(/SECRETS_KEY/);
  });

  test("unset in development without the local key file: refused, saying how to get one", () => {
    expect(problem({ SECRETS_KEY_FILE: missing })).toMatch(/SECRETS_KEY is not set .*pnpm start.*openssl rand -hex 32/);
  });

  test("unset in development: the local key file (what `pnpm start` generated) is used", () => {
    const file = path.join(dir, "key");
    writeFileSync(file, `${KEY}\n`);
    expect(loadConfig({ SECRETS_KEY_FILE: file }).SECRETS_KEY).toBe(KEY);
    writeFileSync(path.join(dir, "zeros"), "0".repeat(64));
    expect(problem({ SECRETS_KEY_FILE: path.join(dir, "zeros") })).toMatch(
      /SECRETS_KEY in .* must be 64 hex characters, not all zeros/,
    );
  });

  test("production requires it; a set key is used as is; tests get a fixed one", () => {
    expect(problem({ NODE_ENV: "production", SECRETS_KEY_FILE: missing })).toMatch(/SECRETS_KEY must be set in production/);
    expect(loadConfig({ NODE_ENV: "production", SECRETS_KEY: KEY }).SECRETS_KEY).toBe(KEY);
    expect(loadConfig({ NODE_ENV: "test" }).SECRETS_KEY).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("HTTP server timeouts and internal port", () => {
  test("defaults: headers 10 s ≤ request 30 s, keep-alive 65 s; internal port 9090", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    expect(config.HTTP_HEADERS_TIMEOUT_MS).toBe(10_000);
    expect(config.HTTP_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(config.HTTP_KEEP_ALIVE_TIMEOUT_MS).toBe(65_000);
    expect(config.INGRESS_INTERNAL_PORT).toBe(9090);
  });

  test("a headers timeout above the request timeout is refused, naming the variable", () => {
    expect(problem({ NODE_ENV: "test", HTTP_HEADERS_TIMEOUT_MS: "40000" })).toMatch(/HTTP_HEADERS_TIMEOUT_MS/);
  });

  test("METRICS_ENABLED=false is read as false", () => {
    expect(loadConfig({ NODE_ENV: "test", METRICS_ENABLED: "false" }).METRICS_ENABLED).toBe(false);
  });
});
