/**
 * Load generator, run in its own process so it does not share a CPU budget with the server's event loop.
 * argv[2]: JSON {url, connections, durationSeconds, tokens, agentIds, signingSecrets?, mode?, apiKey?, paths?}.
 * Prints autocannon's summary as JSON. Bodies differ per request (a nonce), so signed requests never trip
 * the replay guard. Modes: "webhook" (default: call.create to /v1/hooks/{token}), "rest-create" (the same
 * data to POST /v1/calls with the API key), "get" (GET each of `paths` in turn, with the API key if given).
 */
import { createHmac, randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { writeLoadReport } from "./autocannon-report";

interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  tokens: string[];
  agentIds: string[];
  signingSecrets?: string[];
  mode?: "webhook" | "rest-create" | "get";
  apiKey?: string;
  paths?: string[];
  /** Fields added to every create's data (e.g. the call-order fields of scenario 10). */
  extraData?: Record<string, unknown>;
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
        method: spec.mode === "get" ? "GET" : "POST",
        setupRequest: (request) => {
          if (spec.mode === "get") {
            const paths = spec.paths ?? ["/"];
            const headers: Record<string, string> = spec.apiKey ? { authorization: `Bearer ${spec.apiKey}` } : {};
            return { ...request, method: "GET", path: paths[counter++ % paths.length] as string, headers };
          }
          const i = counter++ % spec.tokens.length;
          const data = {
            agent_id: spec.agentIds[i],
            contact_number: "+14155552671",
            contact_name: "Bench Contact",
            additional_info: { nonce: randomBytes(6).toString("hex"), plan: "pro" },
            ...(spec.extraData ?? {}),
          };
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (spec.mode === "rest-create") {
            // The REST body is the webhook's data, the key in the header.
            headers.authorization = `Bearer ${spec.apiKey}`;
            return { ...request, path: "/v1/calls", headers, body: JSON.stringify(data) };
          }
          const body = JSON.stringify({ action: "call.create", data });
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
  writeLoadReport,
);
autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
