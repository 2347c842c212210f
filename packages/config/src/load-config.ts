import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Tests only (NODE_ENV=test): anywhere else an all-zero key is refused. */
const TEST_SECRETS_KEY = "0".repeat(64);
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** Where `pnpm start` keeps the local SECRETS_KEY it generated (relative to the working directory). */
export const DEFAULT_SECRETS_KEY_FILE = ".local/secrets-key";

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default("postgresql://postgres:postgres@127.0.0.1:5432/inbound_calls"),
  DATABASE_POOL_SIZE: int(10, 1),
  DATABASE_TIMEOUT_MS: int(3000, 100),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  REDIS_TIMEOUT_MS: int(2000, 100),
  /** Prefix of every Redis key (queues, quota, replay guard). Braces make a Redis Cluster hash tag: one slot. */
  REDIS_PREFIX: z.string().min(1).default("{inbound}"),
  /**
   * 32 bytes as 64 hex characters; encrypts signing secrets at rest. Required in production; in development
   * read from SECRETS_KEY_FILE when unset (`pnpm start` generates it); all zeros only under NODE_ENV=test.
   */
  SECRETS_KEY: z.string().regex(HEX_KEY, "must be 64 hex characters (32 bytes)").optional(),
  SECRETS_KEY_FILE: z.string().min(1).default(DEFAULT_SECRETS_KEY_FILE),
  INGRESS_HOST: z.string().default("0.0.0.0"),
  INGRESS_PORT: int(3000),
  /**
   * Ingress: /healthz, /readyz and /metrics for probes and Prometheus, on their own port (never on the
   * public webhook port). Do not publish it; 0 picks a free port (tests).
   */
  INGRESS_INTERNAL_HOST: z.string().default("0.0.0.0"),
  INGRESS_INTERNAL_PORT: int(9090),
  /** Ingress HTTP server: the whole request head must arrive within this (slowloris). */
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1000),
  /** Ingress HTTP server: the whole request (head and body) must arrive within this; then 408. */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1000),
  /**
   * Ingress HTTP server: an idle keep-alive connection is closed after this. Keep it ABOVE the idle timeout
   * of any load balancer in front (AWS ALB 60 s, nginx 75 s upstream keepalive_timeout if set so), or the
   * balancer reuses a connection the server is closing and its caller sees a 502.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(65_000, 1000),
  /**
   * Ingress: most token lookups and most creates waiting for Postgres (each group-commit batcher). Past it a
   * request is answered 503 with Retry-After at once, so a flood cannot grow memory and latency without bound.
   */
  INGRESS_MAX_WAITING: int(1000, 1),
  /** The webhook URLs printed by the admin CLI start with it; default http://localhost:<INGRESS_PUBLISHED_PORT or INGRESS_PORT>. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** The host port the ingress is published on when it differs from INGRESS_PORT (docker compose). */
  INGRESS_PUBLISHED_PORT: int(0).optional(),
  /** How printed hints tell the operator to run things: `pnpm admin …` (pnpm) or `docker compose run --rm migrate admin …` (compose). */
  ADMIN_HINTS: z.enum(["pnpm", "compose"]).default("pnpm"),
  BODY_LIMIT_BYTES: int(32 * 1024, 256),
  SIGNATURE_TOLERANCE_SECONDS: int(300, 1),
  CALL_COST_CREDITS: int(1, 1),
  IDEMPOTENCY_TTL_SECONDS: int(24 * 3600, 60),
  IDEMPOTENCY_LOCK_SECONDS: int(60, 1),
  /** Ingress: how long a token's organisation may be served from memory (a backstop; 0 turns the cache off). */
  TOKEN_CACHE_TTL_SECONDS: int(60, 0),
  /** Ingress: most tokens kept in memory (least recently used go first). */
  TOKEN_CACHE_MAX_ENTRIES: int(10_000, 1),
  /**
   * Ingress: how long a token Postgres does not know is refused from memory, without a read and before its
   * body is read (0 turns it off). Short: a token created or rotated in is never hidden longer than this.
   */
  TOKEN_NEGATIVE_CACHE_TTL_SECONDS: int(5, 0),
  /** Ingress: most unknown tokens remembered (oldest go first). */
  TOKEN_NEGATIVE_CACHE_MAX_ENTRIES: int(10_000, 1),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  DEFAULT_DAILY_QUOTA: int(10_000, 0),
  DIALER_HOST: z.string().default("0.0.0.0"),
  DIALER_PORT: int(3001),
  DIALER_CONCURRENCY: int(50, 1),
  DIAL_MAX_ATTEMPTS: int(3, 1),
  DIAL_BACKOFF_MS: int(1000, 0),
  JOB_LOCK_MS: int(30_000, 500),
  JOB_STALLED_INTERVAL_MS: int(30_000, 200),
  /** How often each dialer writes its heartbeat to Postgres (it needs no Redis). */
  DIALER_HEARTBEAT_MS: int(2000, 50),
  /** A dialer silent in Postgres this long is dead: only then are the calls it owns ended as lost. */
  DIALER_DEAD_AFTER_MS: int(15_000, 200),
  RECONCILE_INTERVAL_MS: int(10_000, 50),
  /** Call orders (SPEC §9): how often each dialer queues the scheduled calls that came due and hands freed slots on. */
  ORDERS_TICK_MS: int(1000, 10),
  RECONCILE_AFTER_MS: int(30_000, 0),
  PURGE_MAX_ATTEMPTS: int(10, 1),
  TELEPHONY_PROVIDER: z.enum(["simulated", "twilio"]).default("simulated"),
  SIM_RING_MS: int(1500),
  SIM_TALK_MS: int(4000),
  SIM_NO_ANSWER_MS: int(3000),
  /** The simulated provider's API round trip: placeCall answers after this long (a real create-call request: 100–500 ms). */
  SIM_PLACE_MS: int(0),
  /** How often the simulated provider's clock (in every dialer) looks for due events when it found none. */
  SIM_TICK_MS: int(100, 5),
  /** How often a dialer looks for recorded provider events to apply when it found less than a batch. */
  PROVIDER_EVENT_POLL_MS: int(100, 5),
  /** A live call still up this long after it was first dialled is hung up and ended failed/call_timeout. */
  CALL_MAX_DURATION_MS: int(4 * 3600 * 1000, 1000),
  /** Twilio (TELEPHONY_PROVIDER=twilio): all three are required together; the ingress verifies callbacks with the token. */
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, "must be AC followed by 32 hex digits")
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  TWILIO_FROM_NUMBER: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 number")
    .optional(),
  /** Tests only: where the twilio library's REST requests go instead of api.twilio.com (a local peer). */
  TWILIO_API_BASE_URL: z.url().optional(),
  /** Dashboard (SPEC §7): where it listens. */
  DASHBOARD_HOST: z.string().default("0.0.0.0"),
  DASHBOARD_PORT: int(3002),
  /** Base of the dashboard links the admin CLI prints (set-password); default http://localhost:<DASHBOARD_PORT>. */
  DASHBOARD_PUBLIC_URL: z.url().optional(),
  /** Session cookie `Secure` flag; default on except in development and test (behind TLS, set DASHBOARD_TRUST_PROXY). */
  DASHBOARD_COOKIE_SECURE: z.enum(["true", "false"]).optional(),
  /** Express `trust proxy` for the dashboard (hops of TLS-terminating proxies in front), 0 = none. */
  DASHBOARD_TRUST_PROXY: int(0),
  /** Dashboard sign-in throttling: after this many failures for one email (or one client address) ... */
  SIGNIN_MAX_FAILURES: int(5, 1),
  /** ... sign-in is refused for this long. */
  SIGNIN_LOCK_SECONDS: int(900, 1),
  DASHBOARD_SESSION_HOURS: int(12, 1),
  /** Ingress: record each webhook request's metadata (no body, token or contact data) for the dashboard's request log. */
  REQUEST_LOG_ENABLED: bool(true),
  /** Request log: entries kept per organisation (a capped Redis stream; entries older than 7 days are trimmed too). */
  REQUEST_LOG_MAX_ENTRIES: int(10_000, 100),
  ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  METRICS_ENABLED: bool(true),
  /** Status webhooks (SPEC §6): delivery jobs in flight per process. */
  WEBHOOK_CONCURRENCY: int(100, 1),
  /** Messages of one endpoint in flight at once, across all processes: a slow endpoint holds no more slots. */
  WEBHOOK_ENDPOINT_CONCURRENCY: int(10, 1),
  /** An attempt not answered 2xx within this is a failure. */
  WEBHOOK_TIMEOUT_MS: int(15_000, 100),
  /** Delay before each attempt, comma-separated ms: the first is the first attempt's (0: at once). */
  WEBHOOK_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "must be comma-separated whole milliseconds, e.g. 0,5000,300000")
    .default("0,5000,300000,1800000,7200000,18000000,36000000,36000000")
    .transform((v) => v.split(",").map((n) => Number(n.trim()))),
  /** An endpoint failing every attempt for this long is disabled (reason `failing`). */
  WEBHOOK_DISABLE_AFTER_MS: int(5 * 24 * 3600 * 1000, 1),
  /** How often the relay hands committed, due messages to delivery jobs. */
  WEBHOOK_RELAY_INTERVAL_MS: int(250, 10),
  /** A message handed to a job and not finished within this (job lost, process killed) is handed over again. */
  WEBHOOK_LEASE_MS: int(60_000, 100),
  /** Delivery log and finished messages are kept this many days. */
  WEBHOOK_RETENTION_DAYS: int(30, 1),
  /** Development only: allow http:// and loopback endpoint URLs (never private or metadata addresses). */
  WEBHOOK_ALLOW_INSECURE: bool(false),
  /** Run the delivery worker and relay inside each dialer (set false when running `pnpm start:webhooks` apart). */
  WEBHOOK_WORKER_IN_DIALER: bool(true),
  WEBHOOKS_HOST: z.string().default("0.0.0.0"),
  WEBHOOKS_PORT: int(3003),
  /** Folder of the SQL migrations; the default finds prisma/migrations from the source tree and from the bundle. */
  MIGRATIONS_DIR: z.string().min(1).optional(),
});

export type Config = Omit<z.infer<typeof schema>, "SECRETS_KEY" | "PUBLIC_BASE_URL" | "DASHBOARD_PUBLIC_URL" | "DASHBOARD_COOKIE_SECURE"> & {
  SECRETS_KEY: string;
  PUBLIC_BASE_URL: string;
  DASHBOARD_PUBLIC_URL: string;
  DASHBOARD_COOKIE_SECURE: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Reads the environment once; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, so `FOO= pnpm start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "environment"),
        message: issue.message,
      })),
    );
  }
  const config: Config = {
    ...parsed.data,
    SECRETS_KEY: resolveSecretsKey(parsed.data),
    PUBLIC_BASE_URL:
      parsed.data.PUBLIC_BASE_URL ?? `http://localhost:${parsed.data.INGRESS_PUBLISHED_PORT || parsed.data.INGRESS_PORT || 3000}`,
    DASHBOARD_PUBLIC_URL: parsed.data.DASHBOARD_PUBLIC_URL ?? `http://localhost:${parsed.data.DASHBOARD_PORT || 3002}`,
    DASHBOARD_COOKIE_SECURE:
      parsed.data.DASHBOARD_COOKIE_SECURE === undefined
        ? parsed.data.NODE_ENV === "production"
        : parsed.data.DASHBOARD_COOKIE_SECURE === "true",
  };
  if (config.DIALER_DEAD_AFTER_MS < 3 * config.DIALER_HEARTBEAT_MS) {
    throw new ConfigError([{ variable: "DIALER_DEAD_AFTER_MS", message: "must be at least 3 × DIALER_HEARTBEAT_MS" }]);
  }
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError([{ variable: "HTTP_HEADERS_TIMEOUT_MS", message: "must not be larger than HTTP_REQUEST_TIMEOUT_MS" }]);
  }
  if (config.WEBHOOK_LEASE_MS <= config.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError([{ variable: "WEBHOOK_LEASE_MS", message: "must be longer than WEBHOOK_TIMEOUT_MS" }]);
  }
  if (config.NODE_ENV === "production" && config.WEBHOOK_ALLOW_INSECURE) {
    throw new ConfigError([{ variable: "WEBHOOK_ALLOW_INSECURE", message: "must not be true in production" }]);
  }
  const twilio = {
    TWILIO_ACCOUNT_SID: config.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: config.TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER: config.TWILIO_FROM_NUMBER,
  };
  const missing = Object.entries(twilio)
    .filter(([, value]) => value === undefined)
    .map(([variable]) => variable);
  if (missing.length > 0 && (missing.length < 3 || config.TELEPHONY_PROVIDER === "twilio")) {
    // Half a Twilio configuration is a mistake, never a default: refuse to start, naming what is missing.
    throw new ConfigError(
      missing.map((variable) => ({
        variable,
        message: "is required with the other TWILIO_* variables and TELEPHONY_PROVIDER=twilio",
      })),
    );
  }
  return config;
}

/** SECRETS_KEY as set; else, in development, the local key file; a test default only under NODE_ENV=test. */
function resolveSecretsKey(config: z.infer<typeof schema>): string {
  const refuse = (message: string) => new ConfigError([{ variable: "SECRETS_KEY", message }]);
  if (config.NODE_ENV === "test") return config.SECRETS_KEY ?? TEST_SECRETS_KEY;
  if (config.SECRETS_KEY) {
    if (/^0+$/.test(config.SECRETS_KEY)) throw refuse("must not be all zeros: generate one with `openssl rand -hex 32`");
    return config.SECRETS_KEY;
  }
  if (config.NODE_ENV === "production") throw refuse("must be set in production (64 hex characters: openssl rand -hex 32)");
  const file = path.resolve(config.SECRETS_KEY_FILE);
  let key: string;
  try {
    key = readFileSync(file, "utf8").trim();
  } catch {
    throw refuse(
      `is not set and ${file} does not exist: run \`pnpm start\` once (it generates that local key) or set SECRETS_KEY to 64 hex characters (openssl rand -hex 32)`,
    );
  }
  if (!HEX_KEY.test(key) || /^0+$/.test(key)) throw refuse(`in ${file} must be 64 hex characters, not all zeros`);
  return key;
}
