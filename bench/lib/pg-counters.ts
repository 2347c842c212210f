import type { Database } from "@inbound/db";

/**
 * Statements Postgres ran, from pg_stat_database: every statement outside an explicit transaction is a
 * transaction of its own (the services run no multi-statement transactions on their hot paths), so
 * commits + rollbacks count statements. A backend reports its counters when it ends (and about once a
 * second while busy): read `after` once the processes measured have exited.
 */
export async function transactionsSoFar(db: Database): Promise<number> {
  await db.pool.query("SELECT pg_stat_clear_snapshot()");
  const { rows } = await db.pool.query<{ n: string }>(
    "SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Waits (bounded) until the counter stops moving: the backends of processes that just exited report their
 * last counts as they end. Returns the settled count.
 */
export async function settledTransactions(db: Database, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await transactionsSoFar(db);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    // Each look is itself two transactions of this pool's own: not counted.
    const now = (await transactionsSoFar(db)) - 2;
    if (now <= last || Date.now() > deadline) return Math.max(now, last);
    last = now;
  }
}
