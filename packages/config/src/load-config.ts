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
  TELEPHONY_PROVIDER: z.enum(["simulated"]).default("simulated"),
  SIM_RING_MS: int(1500),
  SIM_TALK_MS: int(4000),
  SIM_NO_ANSWER_MS: int(3000),
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
  WEBHOOKS_PORT: int(3002),
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
  if (config.WEBHOOK_LEASE_MS <= config.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError([{ variable: "WEBHOOK_LEASE_MS", message: "must be longer than WEBHOOK_TIMEOUT_MS" }]);
  }
  if (config.NODE_ENV === "production" && config.WEBHOOK_ALLOW_INSECURE) {
    throw new ConfigError([{ variable: "WEBHOOK_ALLOW_INSECURE", message: "must not be true in production" }]);
  }
  if (config.NODE_ENV === "production" && config.SECRETS_KEY === DEV_SECRETS_KEY) {
    throw new ConfigError([{ variable: "SECRETS_KEY", message: "must be set in production" }]);
  }
  return config;
}
