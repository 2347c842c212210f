/**
 * Load generator of scenario 8: Twilio status callbacks, signed exactly as Twilio signs them
 * (X-Twilio-Signature = base64 HMAC-SHA1 over the URL plus the POST parameters sorted by name, each name
 * followed by its value), for the public URL `publicBaseUrl`. The signed requests are prepared before the
 * clock starts, so the generator's own HMACs are not in the measurement. argv[2]: JSON
 * {url, publicBaseUrl, authToken, connections, durationSeconds, callIds}. Prints autocannon's summary as JSON.
 */
import { createHmac } from "node:crypto";
import autocannon from "autocannon";
import { writeLoadReport } from "./autocannon-report";

interface CallbackLoadSpec {
  url: string;
  publicBaseUrl: string;
  authToken: string;
  connections: number;
  durationSeconds: number;
  callIds: string[];
}

const spec = JSON.parse(process.argv[2] as string) as CallbackLoadSpec;
const STATUSES = ["ringing", "in-progress", "completed"] as const;

const prepared = spec.callIds.flatMap((callId, i) =>
  STATUSES.map((status) => {
    const path = `/v1/provider-callbacks/twilio?call_id=${encodeURIComponent(callId)}&attempt=1`;
    const params: Record<string, string> = {
      AccountSid: `AC${"0".repeat(32)}`,
      CallSid: `CA${i.toString(16).padStart(32, "0")}`,
      CallStatus: status,
      ...(status === "completed" ? { CallDuration: "42" } : {}),
    };
    const signed = Object.keys(params)
      .sort()
      .reduce((acc, key) => acc + key + params[key], new URL(path, spec.publicBaseUrl).toString());
    const signature = createHmac("sha1", spec.authToken).update(Buffer.from(signed, "utf8")).digest("base64");
    return {
      path,
      body: new URLSearchParams(params).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    };
  }),
);
let counter = 0;

const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => ({ ...request, ...(prepared[counter++ % prepared.length] as object) }),
      },
    ],
  },
  writeLoadReport,
);
autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
