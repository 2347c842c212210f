import type { Redis } from "ioredis";

/** Request-log entries are kept this long (SPEC §7), and at most REQUEST_LOG_MAX_ENTRIES per organisation. */
export const REQUEST_LOG_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * One inbound request's metadata. Never a body, token, signature, header value or contact detail: only
 * what the dashboard's request log shows.
 */
export interface RequestLogEntry {
  /** Milliseconds since the epoch. */
  at: number;
  transport: "webhook" | "rest";
  action?: string;
  status: number;
  code?: string;
  latencyMs: number;
  requestId: string;
  /** true: a signature was checked and matched; false: verification is on and it failed; undefined: off. */
  signatureVerified?: boolean;
}

/** One capped stream per organisation. */
export function requestLogKey(prefix: string, orgId: string): string {
  return `${prefix}:request-log:${orgId}`;
}

export interface RequestLogWriter {
  record(orgId: string, entry: RequestLogEntry): void;
  /** Writes what is buffered now (also called on a timer). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  readonly dropped: number;
}

/**
 * Off the request path: record() only pushes to an in-memory buffer (bounded: past maxBuffered entries new
 * ones are dropped and counted); a timer writes the buffer every flushMs in ONE pipelined round trip (XADD
 * with a MINID trim for the 7 days, then one approximate MAXLEN trim per organisation). A failed write drops
 * its batch: the log is for people, never a reason to slow or fail a webhook.
 */
export function createRequestLogWriter(options: {
  redis: Redis;
  prefix: string;
  maxEntries: number;
  flushMs?: number;
  maxBuffered?: number;
  clock?: () => number;
  onError?: (error: unknown) => void;
}): RequestLogWriter {
  const flushMs = options.flushMs ?? 250;
  const maxBuffered = options.maxBuffered ?? 20_000;
  const clock = options.clock ?? Date.now;
  let buffer: { orgId: string; entry: RequestLogEntry }[] = [];
  let dropped = 0;
  let writing: Promise<void> = Promise.resolve();

  const write = async (batch: { orgId: string; entry: RequestLogEntry }[]): Promise<void> => {
    if (batch.length === 0) return;
    const pipeline = options.redis.pipeline();
    const minId = String(clock() - REQUEST_LOG_RETENTION_MS);
    const orgs = new Set<string>();
    for (const { orgId, entry } of batch) {
      orgs.add(orgId);
      const fields = ["at", String(entry.at), "tr", entry.transport, "st", String(entry.status), "ms", String(entry.latencyMs), "rid", entry.requestId];
      if (entry.action) fields.push("ac", entry.action);
      if (entry.code) fields.push("co", entry.code);
      if (entry.signatureVerified !== undefined) fields.push("sv", entry.signatureVerified ? "1" : "0");
      pipeline.xadd(requestLogKey(options.prefix, orgId), "MINID", "~", minId, "*", ...fields);
    }
    for (const orgId of orgs) {
      const key = requestLogKey(options.prefix, orgId);
      pipeline.xtrim(key, "MAXLEN", "~", options.maxEntries);
      pipeline.pexpire(key, REQUEST_LOG_RETENTION_MS);
    }
    await pipeline.exec();
  };

  const flush = (): Promise<void> => {
    const batch = buffer;
    buffer = [];
    writing = writing.then(() => write(batch)).catch((error) => options.onError?.(error));
    return writing;
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  return {
    record(orgId, entry) {
      if (buffer.length >= maxBuffered) {
        dropped++;
        return;
      }
      buffer.push({ orgId, entry });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get dropped() {
      return dropped;
    },
  };
}

/** The organisation's newest entries first (at most `limit`), none older than 7 days. */
export async function readRequestLog(
  redis: Redis,
  prefix: string,
  orgId: string,
  options: { limit?: number; now?: number } = {},
): Promise<RequestLogEntry[]> {
  const since = (options.now ?? Date.now()) - REQUEST_LOG_RETENTION_MS;
  const rows = await redis.xrevrange(requestLogKey(prefix, orgId), "+", String(since), "COUNT", options.limit ?? 100);
  return rows.map(([, flat]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
    return {
      at: Number(f.at),
      transport: f.tr === "rest" ? "rest" : "webhook",
      action: f.ac,
      status: Number(f.st),
      code: f.co,
      latencyMs: Number(f.ms),
      requestId: f.rid ?? "",
      signatureVerified: f.sv === undefined ? undefined : f.sv === "1",
    };
  });
}
