import type { Pool } from "pg";
import type { PrismaClient } from "../generated/prisma/client";

/**
 * Where a hand-written statement runs: Prisma ($queryRawUnsafe, parameters bound), or the pg pool behind it
 * as a named prepared statement (parsed and planned once per connection: the ingress hot path).
 */
export type SqlClient = PrismaClient | Pool;

export async function runSql<T>(client: SqlClient, name: string, text: string, values: unknown[]): Promise<T[]> {
  if ("$queryRawUnsafe" in client) return client.$queryRawUnsafe<T[]>(text, ...values);
  const result = await client.query({ name, text, values });
  return result.rows as T[];
}
