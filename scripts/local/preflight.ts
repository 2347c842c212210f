import { maskUrlPassword as maskUrl } from "@inbound/logging";
import { Redis } from "ioredis";
import { Client } from "pg";

/**
 * A check either passes (with an optional note of what it did) or names the problem and the fix; localAndDown:
 * nothing answers on this machine at that address (pnpm start may then start the server in Docker).
 */
export type CheckResult = { ok: true; note?: string } | { ok: false; problem: string; localAndDown?: boolean };

function reason(error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: { message?: string }[] } | undefined;
  if (e?.message) return e.message;
  // Node's connect to "localhost" tries ::1 and 127.0.0.1: an AggregateError without a message.
  const inner = e?.errors?.map((x) => x.message).filter(Boolean);
  if (inner?.length) return inner.join("; ");
  return e?.code ?? String(error);
}

function isLocal(host: string): boolean {
  return ["127.0.0.1", "localhost", "::1", "[::1]"].includes(host);
}

function postgresUnreachable(url: URL, masked: string, why: string): string {
  if (!isLocal(url.hostname)) {
    return `Postgres is not reachable at ${masked} (${why}). Check that the server is up and reachable from here, or set DATABASE_URL.`;
  }
  const password = !url.password || url.password === "postgres" ? "postgres" : "<the password in DATABASE_URL>";
  const user = url.username && url.username !== "postgres" ? ` -e POSTGRES_USER=${decodeURIComponent(url.username)}` : "";
  const port = url.port || "5432";
  return (
    `Postgres is not reachable at ${masked} (${why}). Start it (docker run -d -p ${port}:5432${user} ` +
    `-e POSTGRES_PASSWORD=${password} postgres:17, or your own server) or set DATABASE_URL.`
  );
}

async function connect(url: string, timeoutMs: number): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

async function createDatabase(url: URL, name: string, timeoutMs: number): Promise<void> {
  let lastError: unknown;
  // The maintenance database, or template1 on servers without one.
  for (const maintenance of ["postgres", "template1"]) {
    const admin = new URL(url);
    admin.pathname = `/${maintenance}`;
    let client: Client;
    try {
      client = await connect(admin.toString(), timeoutMs);
    } catch (error) {
      lastError = error;
      continue;
    }
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return;
    } catch (error) {
      // 42P04 duplicate_database: created meanwhile by someone else, which is just as good.
      if ((error as { code?: string }).code === "42P04") return;
      throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw lastError;
}

/** Postgres answers at DATABASE_URL; a missing database is created when the server allows it. */
export async function checkPostgres(databaseUrl: string, timeoutMs: number): Promise<CheckResult> {
  const masked = maskUrl(databaseUrl);
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || "postgres";
  try {
    const client = await connect(databaseUrl, timeoutMs);
    await client.end().catch(() => undefined);
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "3D000") {
      try {
        await createDatabase(url, name, timeoutMs);
        return { ok: true, note: `created database "${name}" at ${masked}` };
      } catch (createError) {
        return {
          ok: false,
          problem:
            `Postgres at ${masked} has no database "${name}" and it could not be created (${reason(createError)}). ` +
            `Create it (createdb ${name}) or set DATABASE_URL.`,
        };
      }
    }
    if (code === "28P01" || code === "28000") {
      return {
        ok: false,
        problem: `Postgres at ${masked} refused the login (${reason(error)}). Set DATABASE_URL with the right user and password.`,
      };
    }
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
      return { ok: false, problem: `Postgres at ${masked} answered with an error (${reason(error)}). Check DATABASE_URL.` };
    }
    return { ok: false, problem: postgresUnreachable(url, masked, reason(error)), localAndDown: isLocal(url.hostname) };
  }
}

/** Redis answers PING at REDIS_URL. */
export async function checkRedis(redisUrl: string, timeoutMs: number): Promise<CheckResult> {
  const masked = maskUrl(redisUrl);
  let connectionError: unknown;
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // After a refused connection the socket never emits "close": don't keep a 2 s timer alive for it.
    disconnectTimeout: 100,
  });
  redis.on("error", (error) => {
    connectionError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch (error) {
    const why = reason(connectionError ?? error);
    if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(why)) {
      return {
        ok: false,
        problem: `Redis at ${masked} refused the connection (${why}). Set REDIS_URL with the right password (redis://:PASSWORD@host:6379).`,
      };
    }
    const url = new URL(redisUrl);
    const start = isLocal(url.hostname)
      ? `Start it (docker run -d -p ${url.port || "6379"}:6379 redis:7, or your own server)`
      : "Check that the server is up and reachable from here,";
    return {
      ok: false,
      problem: `Redis is not reachable at ${masked} (${why}). ${start} or set REDIS_URL.`,
      localAndDown: isLocal(url.hostname),
    };
  } finally {
    redis.disconnect();
  }
}

export { maskUrl };
