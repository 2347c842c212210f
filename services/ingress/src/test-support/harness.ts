import { once } from "node:events";
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { createAgent, createApiKey, createOrganization, type Database } from "@inbound/db";
import { createLogger } from "@inbound/logging";
import { createQueues, createRedis, type Queues } from "@inbound/queue";
import { loadConfig } from "@inbound/config";
import { eventually, type SuiteEnv, startProcess } from "@inbound/testing";
import type { Express } from "express";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createIngressApp } from "../app";
import { createOperationalApp, createReadiness } from "../routes/health";
import { listen } from "../server";
import { serverTimeouts } from "../server-timeouts";
import { expectDocumentedResponse } from "./openapi";

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  body: any;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** An object is sent as JSON (with Content-Type: application/json unless headers say otherwise). */
  body?: unknown;
}

/** One request over a fresh connection, with full control of method, path, headers and raw bytes. */
export function send(baseUrl: string, path: string, options: SendOptions = {}): Promise<HttpResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | string[]> = { ...(options.headers ?? {}) };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    payload =
      typeof options.body === "string"
        ? Buffer.from(options.body)
        : Buffer.isBuffer(options.body)
          ? options.body
          : Buffer.from(JSON.stringify(options.body));
    if (
      !Object.keys(headers).some((h) => h.toLowerCase() === "content-type") &&
      typeof options.body !== "string" &&
      !Buffer.isBuffer(options.body)
    ) {
      headers["Content-Type"] = "application/json";
    }
    headers["Content-Length"] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: options.method ?? "POST", headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

export interface TestIngress {
  app: Express;
  url: string;
  port: number;
  /** The internal port's base URL: /healthz, /readyz, /metrics. */
  internalUrl: string;
  /** The public HTTP server (its timeouts). */
  server: Server;
  queues: Queues;
  registry: Registry;
  /** Every log line the app wrote (JSON strings). */
  logs: string[];
  /** POST /v1/hooks/{token} with a JSON body; the response is checked against the OpenAPI document. */
  hook(token: string, body: unknown, headers?: Record<string, string>): Promise<HttpResponse>;
  /**
   * A REST request with `Authorization: Bearer <apiKey>` (none when apiKey is null); an object body is sent
   * as JSON. The response is checked against the OpenAPI document (status documented, body matching).
   */
  rest(method: string, path: string, apiKey: string | null, options?: Omit<SendOptions, "method">): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Record<string, string>;
  db?: Database;
  redis?: Redis;
  queues?: Queues;
  clock?: () => number;
}

/** The real app on an ephemeral port, against the suite's Postgres and Redis (or the stores given). */
export async function startIngress(suite: SuiteEnv, options: StartOptions = {}): Promise<TestIngress> {
  const config = loadConfig({ ...suite.env, LOG_LEVEL: "info", ...(options.config ?? {}) });
  const logs: string[] = [];
  const logger = createLogger({ level: "info", name: "ingress" }, { write: (line: string) => void logs.push(line) });
  // Like main.ts: a client connection of its own, auto-pipelined.
  const ownRedis = options.redis ? undefined : await connectRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS);
  const redis = options.redis ?? (ownRedis as Redis);
  const ownQueues = options.queues ? undefined : createQueues(redis, config.REDIS_PREFIX);
  const queues = options.queues ?? (ownQueues as Queues);
  const registry = new Registry();
  const app = createIngressApp({ config, db: options.db ?? suite.db, redis, queues, logger, registry, clock: options.clock });
  const running = await listen(app, { host: "127.0.0.1", port: 0, timeouts: serverTimeouts(config) });
  const url = `http://127.0.0.1:${running.port}`;
  // Like main.ts: readiness and metrics on a port of their own.
  const readiness = createReadiness({ db: options.db ?? suite.db, redis, timeoutMs: config.REDIS_TIMEOUT_MS });
  const operational = createOperationalApp({
    readiness,
    registry,
    metricsEnabled: config.METRICS_ENABLED,
    draining: () => app.locals.draining === true,
  });
  const internal = await listen(operational, { host: "127.0.0.1", port: 0 });
  return {
    app,
    url,
    port: running.port,
    internalUrl: `http://127.0.0.1:${internal.port}`,
    server: running.server,
    queues,
    registry,
    logs,
    hook: async (token, body, headers = {}) => {
      const res = await send(url, `/v1/hooks/${token}`, { body, headers });
      // The webhook is described by the same OpenAPI document as the REST API.
      expectDocumentedResponse("POST", "/v1/hooks/{token}", res.status, res.body);
      return res;
    },
    rest: (method, path, apiKey, options = {}) => rest(url, method, path, apiKey, options),
    async close() {
      await running.close(1000);
      await internal.close(1000);
      await readiness.close();
      await ownQueues?.close();
      await ownRedis?.quit().catch(() => undefined);
      ownRedis?.disconnect();
    },
  };
}

async function connectRedis(url: string, timeoutMs: number): Promise<Redis> {
  const redis = createRedis({ url, timeoutMs, role: "client", name: "ingress-test", autoPipelining: true });
  // A client connection refuses commands until it is ready (no offline queue).
  if (redis.status !== "ready") await once(redis, "ready");
  return redis;
}

/** The token cache counters of an ingress (/metrics): hit, miss, stale, recheck, stored. */
export async function tokenCacheCounts(ingress: TestIngress): Promise<Record<string, number>> {
  const text = (await send(ingress.internalUrl, "/metrics", { method: "GET" })).text;
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^ingress_token_cache_total\{result="(\w+)"\} (\d+)$/gm)) counts[m[1] as string] = Number(m[2]);
  return counts;
}

/** Waits until the ingress has cached at least `stored` copies (a fresh read caches in the background). */
export async function untilCached(ingress: TestIngress, stored: number): Promise<void> {
  await eventually(async () => ((await tokenCacheCounts(ingress)).stored ?? 0) >= stored);
}

/**
 * Runs the real admin CLI (`pnpm admin … --json`) against the suite's Postgres and Redis: the path that
 * changes an organisation AND tells the ingress replicas. Returns its JSON output; throws if it failed.
 */
export async function admin(suite: SuiteEnv, args: string[]): Promise<Record<string, unknown>> {
  const proc = startProcess("services/admin/src/main.ts", suite.env, [...args, "--json"]);
  const { code } = await proc.exited;
  const output = proc.output().trim();
  if (code !== 0) throw new Error(`admin ${args.join(" ")} exited ${code}: ${output}`);
  return JSON.parse(output.split("\n").pop() as string) as Record<string, unknown>;
}

/** A REST request (see TestIngress.rest), its response checked against the OpenAPI document. */
export async function rest(
  url: string,
  method: string,
  path: string,
  apiKey: string | null,
  options: Omit<SendOptions, "method"> = {},
): Promise<HttpResponse> {
  const headers: Record<string, string | string[]> = { ...(options.headers ?? {}) };
  if (apiKey !== null) headers.Authorization = `Bearer ${apiKey}`;
  const res = await send(url, path, { ...options, method, headers });
  expectDocumentedResponse(method, path, res.status, res.body);
  return res;
}

export interface TestOrg {
  orgId: string;
  token: string;
  agentId: string;
}

/** A new API key of the organisation (as `pnpm admin apikey create` makes it). */
export async function createTestApiKey(db: Database, orgId: string, name = "test"): Promise<{ id: string; key: string }> {
  const created = await createApiKey(db.prisma, { orgId, name });
  return { id: created.api_key_id, key: created.api_key };
}

/**
 * A test organisation. Its calling-hours guard is OFF unless asked for (`callingHoursGuard: true`): tests that
 * are not about calling hours must not depend on the hour they run at.
 */
export async function createTestOrg(
  db: Database,
  input: { credits?: number; dailyQuota?: number; callingHoursGuard?: boolean } = {},
): Promise<TestOrg> {
  const org = await createOrganization(db.prisma, {
    name: "Acme",
    credits: input.credits ?? 100,
    dailyQuota: input.dailyQuota ?? 10_000,
    callingHoursGuard: input.callingHoursGuard ?? false,
  });
  const agent = await createAgent(db.prisma, { orgId: org.org_id, name: "Sales agent" });
  return { orgId: org.org_id, token: org.webhook_token, agentId: agent.agent_id };
}

let numberSeq = 0;

/** A valid Indian mobile number, different on every call. */
export function phoneNumber(): string {
  numberSeq += 1;
  return `+9198765${String(43210 + numberSeq)
    .padStart(5, "0")
    .slice(-5)}`;
}

export function createBody(agentId: string, data: Record<string, unknown> = {}) {
  return { action: "call.create", data: { agent_id: agentId, contact_number: "+919876543210", ...data } };
}

/** Every value under the suite's Redis prefix, whatever its type (strings, hashes, lists, sets, zsets, streams). */
export async function dumpRedis(suite: SuiteEnv): Promise<string> {
  const out: string[] = [];
  for (const key of await suite.redisKeys()) {
    const type = await suite.redis.type(key);
    out.push(key);
    switch (type) {
      case "string":
        out.push(String(await suite.redis.get(key)));
        break;
      case "hash":
        out.push(JSON.stringify(await suite.redis.hgetall(key)));
        break;
      case "list":
        out.push(JSON.stringify(await suite.redis.lrange(key, "0", "-1")));
        break;
      case "set":
        out.push(JSON.stringify(await suite.redis.smembers(key)));
        break;
      case "zset":
        out.push(JSON.stringify(await suite.redis.zrange(key, "0", "-1")));
        break;
      case "stream":
        out.push(JSON.stringify(await suite.redis.xrange(key, "-", "+")));
        break;
    }
  }
  return out.join("\n");
}
