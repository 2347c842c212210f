import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";

export interface RunningServer {
  server: Server;
  port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (closing keep-alive connections as they
   * go idle), and after timeoutMs cuts whatever is left.
   */
  close(timeoutMs: number): Promise<void>;
}

export interface ServerTimeouts {
  /** The request head must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request must arrive within this; then 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this: keep it above any load balancer's idle timeout. */
  keepAliveTimeoutMs: number;
}

/** Node's own defaults for headers and request, and a keep-alive above the common 60 s of load balancers. */
export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 65_000,
};

export async function listen(
  app: Express,
  options: { host?: string; port: number; timeouts?: ServerTimeouts },
): Promise<RunningServer> {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // How often the two timeouts above are enforced (Node's default, 30 s, would let them overrun by that much).
      connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(timeouts.headersTimeoutMs / 4))),
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    close(timeoutMs) {
      closing ??= new Promise<void>((resolve) => {
        app.locals.draining = true;
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
        server.close(() => {
          clearInterval(idle);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
