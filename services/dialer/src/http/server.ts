import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface ProbeServerDeps {
  registry: Registry;
  /** Resolves when Postgres and Redis answer; rejects (PII-free message) otherwise. */
  checkReady: () => Promise<{ postgres: boolean; redis: boolean }>;
}

/** /healthz (the process runs), /readyz (Postgres and Redis reachable, else 503) and Prometheus /metrics. */
export function createProbeServer(deps: ProbeServerDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET" && req.method !== "HEAD") return json(405, { status: "method_not_allowed" });
    if (path === "/healthz") return json(200, { status: "ok" });
    if (path === "/readyz") {
      void deps.checkReady().then(
        (checks) =>
          json(checks.postgres && checks.redis ? 200 : 503, {
            status: checks.postgres && checks.redis ? "ready" : "unavailable",
            checks,
          }),
        () => json(503, { status: "unavailable" }),
      );
      return;
    }
    if (path === "/metrics") {
      void deps.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": deps.registry.contentType });
          res.end(text);
        },
        () => json(500, { status: "metrics_unavailable" }),
      );
      return;
    }
    json(404, { status: "not_found" });
  });
}
