import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import twilio from "twilio";

/**
 * A local Twilio-protocol peer for tests: the few REST endpoints the adapter uses (create, fetch and
 * update a call; list and delete recordings), Basic auth checked, and status callbacks POSTed form-encoded
 * and signed exactly as Twilio documents (X-Twilio-Signature = base64 HMAC-SHA1 under the auth token of the
 * callback URL followed by the sorted parameters, computed here with the library's own helper). Callbacks
 * are signed for the public URL the call was given and delivered to `deliverTo` (a proxy in front of the
 * ingress, in effect). Numbers ending 0001 are busy, 0000 not answered, 0002 fail, 0009 are driven by
 * the test (no automatic callbacks), anything else is answered and completes with a recording.
 */
export interface PeerCall {
  sid: string;
  to: string;
  status: string;
  statusCallback: string;
  statusCallbackEvents: string[];
  duration: number;
}

export interface TwilioPeer {
  url: string;
  calls: Map<string, PeerCall>;
  recordings: Map<string, { sid: string; callSid: string; duration: number }>;
  /** Every callback sent: the call, the status and the answer's HTTP status. */
  sent: { callSid: string; status: string; answer: number }[];
  /** Sends one status callback now (as Twilio would); badSignature signs with a wrong token. */
  send(callSid: string, status: string, options?: { badSignature?: boolean }): Promise<number>;
  /** Resolves when the automatic callbacks of a call are all sent. */
  played(callSid: string): Promise<void>;
  close(): Promise<void>;
}

const SCRIPTS: [string, string[]][] = [
  ["0001", ["initiated", "ringing", "busy"]],
  ["0000", ["initiated", "ringing", "no-answer"]],
  ["0002", ["initiated", "failed"]],
  ["0009", []],
];

export async function startTwilioPeer(options: {
  accountSid: string;
  authToken: string;
  deliverTo: string;
}): Promise<TwilioPeer> {
  const calls = new Map<string, PeerCall>();
  const recordings = new Map<string, { sid: string; callSid: string; duration: number }>();
  const sent: TwilioPeer["sent"] = [];
  const playing = new Map<string, Promise<void>>();
  const base = `/2010-04-01/Accounts/${options.accountSid}`;

  async function send(callSid: string, status: string, opts: { badSignature?: boolean } = {}): Promise<number> {
    const call = calls.get(callSid);
    if (!call) throw new Error(`no call ${callSid}`);
    call.status = status;
    if (status === "in-progress") {
      const sid = `RE${randomBytes(16).toString("hex")}`;
      recordings.set(sid, { sid, callSid, duration: call.duration });
    }
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      CallSid: callSid,
      CallStatus: status,
      To: call.to,
      From: "+15005550006",
      Direction: "outbound-api",
      ...(status === "completed" ? { CallDuration: String(call.duration) } : {}),
    };
    const signature = twilio.getExpectedTwilioSignature(
      opts.badSignature ? "not-the-token" : options.authToken,
      call.statusCallback,
      params,
    );
    const target = new URL(call.statusCallback);
    const res = await fetch(new URL(target.pathname + target.search, options.deliverTo), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(params).toString(),
    });
    sent.push({ callSid, status, answer: res.status });
    return res.status;
  }

  const json = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body === undefined ? "" : JSON.stringify(body));
  };
  const callJson = (call: PeerCall) => ({
    sid: call.sid,
    account_sid: options.accountSid,
    to: call.to,
    status: call.status,
    duration: call.status === "completed" ? String(call.duration) : null,
  });

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const expected = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return json(res, 401, { code: 20003, message: "Authenticate", status: 401 });
    const url = new URL(req.url ?? "/", "http://peer");
    const path = url.pathname;
    if (req.method === "POST" && path === `${base}/Calls.json`) {
      const to = form.get("To") ?? "";
      if (!/^\+[1-9]\d{6,14}$/.test(to))
        return json(res, 400, { code: 21211, message: "Invalid 'To' Phone Number", status: 400 });
      const call: PeerCall = {
        sid: `CA${randomBytes(16).toString("hex")}`,
        to,
        status: "queued",
        statusCallback: form.get("StatusCallback") ?? "",
        statusCallbackEvents: form.getAll("StatusCallbackEvent"),
        duration: 7,
      };
      calls.set(call.sid, call);
      json(res, 201, callJson(call));
      const script = SCRIPTS.find(([suffix]) => to.endsWith(suffix))?.[1] ?? ["initiated", "ringing", "in-progress", "completed"];
      playing.set(
        call.sid,
        (async () => {
          for (const status of script) await send(call.sid, status);
        })(),
      );
      return;
    }
    const callMatch = path.match(new RegExp(`^${base}/Calls/(CA[0-9a-f]+)\\.json$`));
    if (callMatch) {
      const call = calls.get(callMatch[1]!);
      if (!call) return json(res, 404, { code: 20404, message: "not found", status: 404 });
      if (req.method === "POST" && form.get("Status")) call.status = form.get("Status") === "canceled" ? "canceled" : "completed";
      return json(res, 200, callJson(call));
    }
    if (req.method === "GET" && path === `${base}/Recordings.json`) {
      const callSid = url.searchParams.get("CallSid");
      const list = [...recordings.values()].filter((r) => !callSid || r.callSid === callSid);
      return json(res, 200, {
        recordings: list.map((r) => ({
          sid: r.sid,
          call_sid: r.callSid,
          duration: String(r.duration),
          account_sid: options.accountSid,
        })),
        first_page_uri: `${base}/Recordings.json?PageSize=50&Page=0`,
        next_page_uri: null,
        page: 0,
        page_size: 50,
        uri: `${base}/Recordings.json`,
      });
    }
    const recordingMatch = path.match(new RegExp(`^${base}/Recordings/(RE[0-9a-f]+)\\.json$`));
    if (req.method === "DELETE" && recordingMatch) {
      if (!recordings.delete(recordingMatch[1]!)) return json(res, 404, { code: 20404, message: "not found", status: 404 });
      res.writeHead(204).end();
      return;
    }
    json(res, 404, { code: 20404, message: `no route ${req.method} ${path}`, status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    recordings,
    sent,
    send,
    played: (callSid) => playing.get(callSid) ?? Promise.resolve(),
    async close() {
      await Promise.allSettled([...playing.values()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
