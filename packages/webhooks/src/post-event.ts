import http from "node:http";
import https from "node:https";
import { BlockedTargetError, checkUrl, guardedLookup, type TargetPolicy } from "./ssrf-guard";

export interface PostResult {
  /** 2xx within the timeout. */
  ok: boolean;
  statusCode: number | null;
  /** A stable code when not ok: http_status, timeout, connection_refused, dns_failed, blocked_address, insecure_url… */
  error: string | null;
  latencyMs: number;
}

export interface Poster {
  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult>;
  close(): void;
}

/**
 * POSTs events: one keep-alive agent per scheme (sockets reused per host), the SSRF guard on the URL and on
 * every address connected to, the whole attempt bounded by timeoutMs, redirects never followed (a 3xx is a
 * failure like any non-2xx), at most 4 KiB of the response read and nothing of it kept.
 */
export function createPoster(options: { timeoutMs: number; policy: TargetPolicy; maxSockets?: number }): Poster {
  const lookup = guardedLookup(options.policy);
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 50, lookup: lookup as never };
  const agents = { "http:": new http.Agent(agentOptions), "https:": new https.Agent(agentOptions) };
  return {
    post(rawUrl, headers, body) {
      const started = performance.now();
      const done = (statusCode: number | null, error: string | null): PostResult => ({
        ok: error === null,
        statusCode,
        error,
        latencyMs: performance.now() - started,
      });
      let url: URL;
      try {
        url = checkUrl(rawUrl, options.policy);
      } catch (error) {
        return Promise.resolve(done(null, error instanceof BlockedTargetError ? error.code : "invalid_url"));
      }
      const transport = url.protocol === "https:" ? https : http;
      return new Promise<PostResult>((resolve) => {
        let settled = false;
        const finish = (result: PostResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
        };
        const request = transport.request(url, {
          method: "POST",
          agent: agents[url.protocol as "http:" | "https:"],
          headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        });
        const timer = setTimeout(() => {
          finish(done(null, "timeout"));
          request.destroy();
        }, options.timeoutMs);
        request.on("response", (response) => {
          const status = response.statusCode ?? 0;
          let read = 0;
          response.on("data", (chunk: Buffer) => {
            read += chunk.length;
            if (read > 4096) response.destroy();
          });
          const end = () => finish(done(status, status >= 200 && status < 300 ? null : "http_status"));
          response.on("end", end);
          response.on("close", end);
          response.on("error", end);
        });
        request.on("error", (error: NodeJS.ErrnoException) => finish(done(null, errorCode(error))));
        request.end(body);
      });
    },
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

function errorCode(error: NodeJS.ErrnoException): string {
  if (error instanceof BlockedTargetError) return error.code;
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection_refused";
    case "ECONNRESET":
    case "EPIPE":
      return "connection_reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "dns_failed";
    case "ETIMEDOUT":
      return "timeout";
    default:
      return error.code?.startsWith("ERR_TLS") || error.code?.includes("CERT") ? "tls_error" : "network_error";
  }
}
