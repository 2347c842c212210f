import { connect } from "node:net";
import { createDatabase, type Database } from "@inbound/db";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import type { PoolClient } from "pg";
import { send, startIngress, type TestIngress } from "../test-support/harness";

/** Issue 10: /readyz and /metrics on the internal port, cheap, unable to starve webhooks; METRICS_ENABLED honoured. */
let suite: SuiteEnv;

beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(async () => {
  await suite?.close();
});

test("METRICS_ENABLED=false: no /metrics anywhere; /readyz still on the internal port", async () => {
  const ingress = await startIngress(suite, { config: { METRICS_ENABLED: "false" } });
  try {
    expect((await send(ingress.internalUrl, "/metrics", { method: "GET" })).status).toBe(404);
    expect((await send(ingress.url, "/metrics", { method: "GET" })).status).toBe(404);
    expect((await send(ingress.internalUrl, "/readyz", { method: "GET" })).status).toBe(200);
  } finally {
    await ingress.close();
  }
});

describe("/readyz with every connection of the webhook pool taken", () => {
  let db: Database;
  let ingress: TestIngress;
  const held: PoolClient[] = [];
  beforeAll(async () => {
    db = createDatabase({ url: suite.databaseUrl, poolSize: 2, timeoutMs: 1500 });
    ingress = await startIngress(suite, { db });
  });
  afterAll(async () => {
    for (const client of held) client.release();
    await ingress?.close();
    await db?.close();
  });

  test("answers 200 at once from a connection of its own, and many probes make one check", async () => {
    held.push(await db.pool.connect(), await db.pool.connect());
    const started = Date.now();
    const probes = await Promise.all(Array.from({ length: 20 }, () => send(ingress.internalUrl, "/readyz", { method: "GET" })));
    expect(probes.map((p) => p.status)).toEqual(Array(20).fill(200));
    expect(Date.now() - started).toBeLessThan(1500);
    // The webhook pool was never asked for a connection.
    expect(db.pool.waitingCount).toBe(0);
    const readiness = await suite.db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE '%-readiness' AND datname = current_database()",
    );
    expect(Number(readiness.rows[0]?.n)).toBe(1);
  });
});

describe("server timeouts", () => {
  test("defaults: headers 10 s, request 30 s, keep-alive 65 s (above the 60 s idle timeout of common load balancers)", async () => {
    const ingress = await startIngress(suite);
    try {
      const server = ingress.server;
      expect(server.headersTimeout).toBe(10_000);
      expect(server.requestTimeout).toBe(30_000);
      expect(server.keepAliveTimeout).toBe(65_000);
    } finally {
      await ingress.close();
    }
  });

  test("a client that never finishes its headers is cut off after HTTP_HEADERS_TIMEOUT_MS", async () => {
    const ingress = await startIngress(suite, { config: { HTTP_HEADERS_TIMEOUT_MS: "1000" } });
    try {
      const socket = connect(ingress.port, "127.0.0.1");
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.write("POST /v1/hooks/whk_slowloris HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      const started = Date.now();
      const deadline = setTimeout(() => socket.destroy(), 6_000);
      await closed;
      clearTimeout(deadline);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await ingress.close();
    }
  });
});
