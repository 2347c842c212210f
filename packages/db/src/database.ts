import { PrismaPg } from "@prisma/adapter-pg";
import { Pool } from "pg";
import { PrismaClient } from "./generated/prisma/client";

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  /** Bounds connecting and every statement, so a sick Postgres answers 503 instead of hanging a request. */
  timeoutMs?: number;
  applicationName?: string;
}

export interface Database {
  prisma: PrismaClient;
  pool: Pool;
  close(): Promise<void>;
}

export function createDatabase(options: DatabaseOptions): Database {
  const timeoutMs = options.timeoutMs ?? 3000;
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 500,
    idle_in_transaction_session_timeout: timeoutMs * 2,
    application_name: options.applicationName ?? "inbound-calls",
    // No JIT: it is for long analytic queries. Ours are short OLTP statements, but the planner's cost
    // estimate of the batched CTE statements (built on jsonb_to_recordset, counted as 100 rows each) can pass
    // jit_above_cost, and then each execution spent 300-400 ms compiling expressions it runs in 1-10 ms
    // (measured with auto_explain in the dialer's drain: 105 such statements in one run).
    options: "-c jit=off",
    keepAlive: true,
  });
  // An idle client losing its connection (Postgres restarted) emits on the pool: without a listener, the process dies.
  pool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    prisma,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

export { PrismaClient };
