import { errorChain } from "@inbound/logging";

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled (statement_timeout)
  "53300", // too_many_connections
  "08000",
  "08001",
  "08003",
  "08006",
  "P1001", // Prisma: can't reach database server
  "P1002",
  "P1017", // Prisma: server closed the connection
  "P2024", // Prisma: timed out fetching a connection from the pool
]);

const CONNECTION_ERROR_MESSAGE =
  /timeout|timed out|terminat|connection (?:refused|reset|closed|error)|ECONNREFUSED|ECONNRESET|Connection terminated|not queryable|Client has encountered a connection error|the database system is (?:starting|shutting) up/i;

/** Kinds of @prisma/adapter-pg's DriverAdapterError (its `cause`) that mean the server is away or saturated. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** True when an error means Postgres is unreachable or overloaded (answer 503), not that the request was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of errorChain(error, 5)) {
    const candidate = e as { code?: unknown; kind?: unknown; message?: unknown };
    if (typeof candidate.kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(candidate.kind)) return true;
    if (typeof candidate.code === "string" && CONNECTION_ERROR_CODES.has(candidate.code)) return true;
    if (typeof candidate.message === "string" && CONNECTION_ERROR_MESSAGE.test(candidate.message)) return true;
  }
  return false;
}
