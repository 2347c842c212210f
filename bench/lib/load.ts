/**
 * Load generator, run in its own process so it does not share a CPU budget with the server's event loop.
 * argv[2]: JSON {url, connections, durationSeconds, tokens, agentIds, signingSecrets?}. Prints autocannon's
 * summary as JSON. Bodies differ per request (a nonce), so signed requests never trip the replay guard.
 */
import { createHmac, randomBytes } from "node:crypto";
import autocannon from "autocannon";

interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  tokens: string[];
  agentIds: string[];
  signingSecrets?: string[];
}

const spec = JSON.parse(process.argv[2] as string) as LoadSpec;
let counter = 0;

const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const i = counter++ % spec.tokens.length;
          const body = JSON.stringify({
            action: "call.create",
            data: {
              agent_id: spec.agentIds[i],
              contact_number: "+14155552671",
              contact_name: "Bench Contact",
              additional_info: { nonce: randomBytes(6).toString("hex"), plan: "pro" },
            },
          });
          const headers: Record<string, string> = { "content-type": "application/json" };
          const secret = spec.signingSecrets?.[i];
          if (secret) {
            const ts = Math.floor(Date.now() / 1000).toString();
            headers["x-inbound-timestamp"] = ts;
            headers["x-inbound-signature"] = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
          }
          return { ...request, path: `/v1/hooks/${spec.tokens[i]}`, headers, body };
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    process.stdout.write(
      `${JSON.stringify({
        requestsPerSecond: result.requests.average,
        latencyP50: result.latency.p50,
        latencyP99: result.latency.p99,
        total: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes: result.statusCodeStats,
      })}\n`,
    );
  },
);
autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
