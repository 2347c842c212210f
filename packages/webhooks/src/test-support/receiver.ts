import { execFileSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, any> };
  /** Verified by the reference verifier (`standardwebhooks`) with the secret(s) the test gave. */
  verifiedWith: string[];
  at: number;
}

/** What the receiver answers: a status, after an optional delay, and not before `after` settles (if given). */
export type Behaviour = (request: { count: number; body: string; path: string }) => {
  status: number;
  delayMs?: number;
  after?: Promise<unknown>;
};

/** A real HTTP receiver on loopback that verifies every delivery with `standardwebhooks` and records it. */
export async function startReceiver(secrets: () => string[], behaviour: Behaviour = () => ({ status: 204 })) {
  const received: Received[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      count += 1;
      const headers = {
        "webhook-id": String(req.headers["webhook-id"]),
        "webhook-timestamp": String(req.headers["webhook-timestamp"]),
        "webhook-signature": String(req.headers["webhook-signature"]),
      };
      const verifiedWith = secrets().filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const answer = behaviour({ count, body, path: req.url ?? "/" });
      const respond = () => {
        if (answer.status >= 200 && answer.status < 300) {
          received.push({
            id: headers["webhook-id"],
            timestamp: headers["webhook-timestamp"],
            signature: headers["webhook-signature"],
            body,
            json: JSON.parse(body),
            verifiedWith,
            at: Date.now(),
          });
        }
        res.writeHead(answer.status).end();
      };
      const delayed = () => (answer.delayMs ? void setTimeout(respond, answer.delayMs).unref() : respond());
      if (answer.after) void answer.after.then(delayed, delayed);
      else delayed();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    requests: () => count,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The README's openssl recipe, run as written in bash: the expected `v1,` signature of a delivery under a
 * `whsec_` secret.
 */
export function opensslSignature(secret: string, id: string, timestamp: string, body: string): string {
  const script = [
    'SECRET_HEX=$(printf %s "${SECRET#whsec_}" | base64 -d | od -An -vtx1 | tr -d " \\n")',
    'printf "v1,%s" "$(printf "%s.%s.%s" "$WEBHOOK_ID" "$WEBHOOK_TIMESTAMP" "$BODY" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$SECRET_HEX" -binary | base64)"',
  ].join("\n");
  return execFileSync("sh", ["-c", script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SECRET: secret, WEBHOOK_ID: id, WEBHOOK_TIMESTAMP: timestamp, BODY: body },
  }).toString();
}

/** Polls until check() is truthy or the deadline passes (then throws with the description). */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
