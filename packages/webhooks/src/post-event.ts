import { Agent } from "undici";
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

/** Most response bytes read (then the connection is dropped); nothing of the response is kept. */
const MAX_RESPONSE_BYTES = 4096;

/**
 * POSTs events through one undici Agent: a keep-alive Pool per origin (at most maxSockets connections each),
 * the SSRF guard on the URL and on every address connected to (the Agent's connector resolves through
 * guardedLookup), the whole attempt bounded by timeoutMs (aborted when it runs out), redirects never
 * followed (a 3xx is a failure like any non-2xx), at most 4 KiB of the response read and nothing of it kept.
 */
export function createPoster(options: { timeoutMs: number; policy: TargetPolicy; maxSockets?: number }): Poster {
  const agent = new Agent({
    connections: options.maxSockets ?? 50,
    keepAliveTimeout: 30_000,
    connect: { lookup: guardedLookup(options.policy) as never, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    async post(rawUrl, headers, body) {
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
        return done(null, error instanceof BlockedTargetError ? error.code : "invalid_url");
      }
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      try {
        const response = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: "POST",
          headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
          body,
          signal: controller.signal,
        });
        const status = response.statusCode;
        await response.body.dump({ limit: MAX_RESPONSE_BYTES }).catch(() => undefined);
        return done(status, status >= 200 && status < 300 ? null : "http_status");
      } catch (error) {
        return done(null, timedOut ? "timeout" : errorCode(error));
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      void agent.destroy().catch(() => undefined);
    },
  };
}

/** A stable code for a failed attempt (the error or one of its causes). */
function errorCode(error: unknown): string {
  for (
    let e = error as (NodeJS.ErrnoException & { cause?: unknown }) | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof BlockedTargetError) return e.code;
    switch (e.code) {
      case "ECONNREFUSED":
        return "connection_refused";
      case "ECONNRESET":
      case "EPIPE":
      case "UND_ERR_SOCKET":
      case "UND_ERR_CLOSED":
        return "connection_reset";
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return "dns_failed";
      case "ETIMEDOUT":
      case "UND_ERR_CONNECT_TIMEOUT":
      case "UND_ERR_HEADERS_TIMEOUT":
      case "UND_ERR_BODY_TIMEOUT":
        return "timeout";
    }
    if (e.code?.startsWith("ERR_TLS") || e.code?.includes("CERT")) return "tls_error";
  }
  return "network_error";
}
