import { z } from "zod";

const DEV_SECRETS_KEY = "0".repeat(64);

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
  /** 32 bytes as 64 hex characters; encrypts signing secrets at rest. */
  SECRETS_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes)")
    .default(DEV_SECRETS_KEY),
  INGRESS_HOST: z.string().default("0.0.0.0"),
  INGRESS_PORT: int(3000),
  PUBLIC_BASE_URL: z.url().default("http://localhost:3000"),
  BODY_LIMIT_BYTES: int(32 * 1024, 256),
  SIGNATURE_TOLERANCE_SECONDS: int(300, 1),
  CALL_COST_CREDITS: int(1, 1),
  IDEMPOTENCY_TTL_SECONDS: int(24 * 3600, 60),
  IDEMPOTENCY_LOCK_SECONDS: int(60, 1),
  /** Ingress: how long a token's organisation may be served from memory (a backstop; 0 turns the cache off). */
  TOKEN_CACHE_TTL_SECONDS: int(60, 0),
  /** Ingress: most tokens kept in memory (least recently used go first). */
  TOKEN_CACHE_MAX_ENTRIES: int(10_000, 1),
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
  RECONCILE_AFTER_MS: int(30_000, 0),
  PURGE_MAX_ATTEMPTS: int(10, 1),
  TELEPHONY_PROVIDER: z.enum(["simulated", "twilio"]).default("simulated"),
  SIM_RING_MS: int(1500),
  SIM_TALK_MS: int(4000),
  SIM_NO_ANSWER_MS: int(3000),
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
  ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  METRICS_ENABLED: bool(true),
  /** Folder of the SQL migrations; the default finds prisma/migrations from the source tree and from the bundle. */
  MIGRATIONS_DIR: z.string().min(1).optional(),
});

export type Config = z.infer<typeof schema>;

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
  const config = parsed.data;
  if (config.DIALER_DEAD_AFTER_MS < 3 * config.DIALER_HEARTBEAT_MS) {
    throw new ConfigError([{ variable: "DIALER_DEAD_AFTER_MS", message: "must be at least 3 × DIALER_HEARTBEAT_MS" }]);
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
  if (config.NODE_ENV === "production" && config.SECRETS_KEY === DEV_SECRETS_KEY) {
    throw new ConfigError([{ variable: "SECRETS_KEY", message: "must be set in production" }]);
  }
  return config;
}
