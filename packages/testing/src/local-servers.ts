import { PostgreSqlContainer } from "@testcontainers/postgresql";
import { RedisContainer } from "@testcontainers/redis";
import { getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";

/**
 * `pnpm start` on a laptop: Postgres and Redis in Docker when nothing answers at DATABASE_URL / REDIS_URL,
 * with the same images and Testcontainers modules as the tests (TEST_POSTGRES_IMAGE, TEST_REDIS_IMAGE), on
 * the host ports of those URLs, with their credentials, and the data in named volumes kept across restarts.
 */
export const DEFAULT_POSTGRES_IMAGE = "postgres:17-alpine";
export const DEFAULT_REDIS_IMAGE = "redis:7-alpine";

/** Docker answers (Testcontainers' own detection), within timeoutMs. LOCAL_CONTAINERS=false: never. */
export async function dockerAvailable(
  env: NodeJS.ProcessEnv,
  timeoutMs = 10_000,
): Promise<{ ok: true } | { ok: false; why: string }> {
  if (env.LOCAL_CONTAINERS === "false") return { ok: false, why: "LOCAL_CONTAINERS=false" };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** A volume name per image (a Postgres 15 data directory cannot be opened by 17). */
export function volumeName(prefix: string, kind: "postgres" | "redis", image: string): string {
  return `${prefix}-${kind}-${image.replace(/[^A-Za-z0-9_.-]+/g, "-")}`;
}

export interface LocalServer {
  image: string;
  volume: string;
  stop(): Promise<void>;
}

function started(container: StartedTestContainer, image: string, volume: string): LocalServer {
  return { image, volume, stop: async () => void (await container.stop({ timeout: 10_000 }).catch(() => undefined)) };
}

export async function startLocalPostgres(databaseUrl: string, env: NodeJS.ProcessEnv): Promise<LocalServer> {
  const url = new URL(databaseUrl);
  const image = env.TEST_POSTGRES_IMAGE || DEFAULT_POSTGRES_IMAGE;
  const volume = volumeName(env.LOCAL_VOLUME_PREFIX || "inbound-calls", "postgres", image);
  const container = await new PostgreSqlContainer(image)
    .withUsername(decodeURIComponent(url.username) || "postgres")
    .withPassword(decodeURIComponent(url.password) || "postgres")
    .withDatabase(decodeURIComponent(url.pathname.slice(1)) || "postgres")
    .withExposedPorts({ container: 5432, host: Number(url.port || 5432) })
    // A named volume (not a path): Docker creates it once and keeps it when the container goes.
    .withBindMounts([{ source: volume, target: "/var/lib/postgresql/data", mode: "rw" }])
    .start();
  return started(container, image, volume);
}

export async function startLocalRedis(redisUrl: string, env: NodeJS.ProcessEnv): Promise<LocalServer> {
  const url = new URL(redisUrl);
  const image = env.TEST_REDIS_IMAGE || DEFAULT_REDIS_IMAGE;
  const volume = volumeName(env.LOCAL_VOLUME_PREFIX || "inbound-calls", "redis", image);
  let redis = new RedisContainer(image)
    .withExposedPorts({ container: 6379, host: Number(url.port || 6379) })
    .withPersistence(volume);
  if (url.password) redis = redis.withPassword(decodeURIComponent(url.password));
  return started(await redis.start(), image, volume);
}
