import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { heartbeatDialer, type SqlClient } from "@inbound/db";
import type { Logger } from "@inbound/logging";
import { errorCode } from "@inbound/logging";

/** A dialer process's id: readable (host, pid) and unique per start (a restarted process is a new dialer). */
export function newDialerId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, "")
      .slice(0, 40) || "host";
  return `dlr_${host}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export interface Heartbeat {
  /** Stops beating (the row stays: it goes stale, or retireDialer removes it). */
  stop(): Promise<void>;
}

/**
 * Writes this dialer's heartbeat to Postgres now and then every intervalMs, one beat at a time, until
 * stopped. It uses only Postgres, so it keeps beating while Redis is unreachable: a Redis outage never
 * makes a live dialer look dead to the others (see packages/db/src/dialer/dialer-liveness.ts). A failed
 * beat is logged (on a change of error, or once a minute) and the next one tries again.
 */
export function startHeartbeat(sql: SqlClient, dialerId: string, intervalMs: number, logger: Logger): Heartbeat {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastError = { code: "", at: 0 };
  const beat = async () => {
    try {
      await heartbeatDialer(sql, dialerId);
      if (lastError.code) logger.info({ dialerId }, "heartbeat written again");
      lastError = { code: "", at: 0 };
    } catch (error) {
      const code = errorCode(error);
      if (code !== lastError.code || Date.now() - lastError.at >= 60_000) {
        logger.warn({ dialerId, err: code }, "heartbeat not written (Postgres unreachable?); retrying");
        lastError = { code, at: Date.now() };
      }
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = beat().finally(schedule);
    }, intervalMs);
  };
  running = beat().finally(schedule);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}
