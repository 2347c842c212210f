import http from "node:http";
import type { AddressInfo } from "node:net";

/** One delivery as the receiver saw it: its path (= endpoint), arrival time, and the event's own timestamp. */
export interface Arrival {
  path: string;
  at: number;
  eventAt: number;
}

export interface HookReceiver {
  url(path: string): string;
  /** Requests answered (2xx) so far. */
  count(): number;
  /** When recording: every answered request, in arrival order. */
  arrivals: Arrival[];
  /** Paths that never answer (the endpoint times out); requests to them are held until close(). */
  hang: Set<string>;
  reset(options: { record: boolean }): void;
  close(): Promise<void>;
}

/**
 * A customer's endpoint for the benchmark, on 127.0.0.1: reads the body, answers 204 at once (or never, for
 * paths in `hang`). When recording it parses the body's `timestamp` to measure event-to-delivery latency.
 */
export async function startHookReceiver(): Promise<HookReceiver> {
  let record = false;
  let count = 0;
  const arrivals: Arrival[] = [];
  const hang = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (hang.has(path)) return;
      count += 1;
      if (record) {
        const at = Date.now();
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { timestamp: string };
        arrivals.push({ path, at, eventAt: Date.parse(body.timestamp) });
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    count: () => count,
    arrivals,
    hang,
    reset(options) {
      record = options.record;
      count = 0;
      arrivals.length = 0;
      hang.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
