import { Redis, type RedisOptions } from "ioredis";

export interface RedisConnectionOptions {
  url: string;
  timeoutMs: number;
  /** Workers block on Redis: BullMQ demands maxRetriesPerRequest null for them. */
  role: "worker" | "client";
  name?: string;
  /**
   * Send the commands issued in one event-loop turn as one pipelined write (ioredis enableAutoPipelining):
   * under load, far fewer socket writes and reads per command. Off unless asked for.
   */
  autoPipelining?: boolean;
}

/**
 * Clients fail fast (bounded retries, command timeout, no offline queue) so a request answers 503 when
 * Redis is away instead of hanging; workers keep retrying forever, as BullMQ requires.
 */
export function createRedis(options: RedisConnectionOptions): Redis {
  const common: RedisOptions = {
    connectionName: options.name,
    connectTimeout: options.timeoutMs,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    enableAutoPipelining: options.autoPipelining ?? false,
  };
  const redis =
    options.role === "worker"
      ? new Redis(options.url, { ...common, maxRetriesPerRequest: null, enableReadyCheck: false })
      : new Redis(options.url, {
          ...common,
          maxRetriesPerRequest: 1,
          commandTimeout: options.timeoutMs,
          enableOfflineQueue: false,
        });
  // Connection errors surface through the commands that fail; an unhandled 'error' event would crash the process.
  redis.on("error", () => undefined);
  return redis;
}
