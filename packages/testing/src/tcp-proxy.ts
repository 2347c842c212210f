import { createConnection, createServer, type Socket } from "node:net";
import { Transform } from "node:stream";

/**
 * A TCP proxy in front of Postgres or Redis that a test can break on purpose:
 * - freeze(): connections stay open but nothing passes either way (a hung server, a network partition);
 * - drop(): every connection is reset and new ones are cut at once (a server that went away);
 * - restore(): traffic flows again (frozen connections resume; dropped clients reconnect);
 * - delayWhen(text, ms): the next client→server chunk containing `text` (e.g. a BullMQ add, recognised by
 *   its job data) and everything after it on that connection reach the server `ms` late (a slow server).
 */
export interface TcpProxy {
  /** The target URL rewritten to go through the proxy. */
  url: string;
  freeze(): void;
  drop(): void;
  restore(): void;
  delayWhen(text: string, ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  let mode: "forward" | "frozen" | "dropped" = "forward";
  const pairs = new Set<[Socket, Socket]>();
  let delayRule: { text: string; ms: number } | undefined;
  const gates = new WeakMap<Socket, Transform>();
  /** The client → server direction goes through this: it holds a matching chunk (and, in order, what follows). */
  const gateFor = () =>
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const rule = delayRule;
        if (rule && chunk.includes(rule.text)) {
          delayRule = undefined;
          setTimeout(() => callback(null, chunk), rule.ms);
        } else {
          callback(null, chunk);
        }
      },
    });

  const server = createServer((client) => {
    if (mode === "dropped") return void client.destroy();
    const upstream = createConnection({ host: target.hostname, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    const gate = gateFor();
    gates.set(client, gate);
    gate.pipe(upstream);
    client.pipe(gate);
    upstream.pipe(client);
    if (mode === "frozen") pause(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);

  const pause = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(gates.get(client));
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const resume = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(gates.get(client) as Transform);
    upstream.pipe(client);
  };

  return {
    url: url.toString(),
    freeze() {
      mode = "frozen";
      for (const pair of pairs) pause(pair);
    },
    drop() {
      mode = "dropped";
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    delayWhen(text, ms) {
      delayRule = { text, ms };
    },
    restore() {
      if (mode === "frozen") for (const pair of pairs) resume(pair);
      mode = "forward";
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
