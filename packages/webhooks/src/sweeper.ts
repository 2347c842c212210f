import { type SqlClient, sweepWebhookLog } from "@inbound/db";

/** Deletes the delivery log and finished messages older than the retention, in batches. */
export async function sweepOnce(sql: SqlClient, retentionDays: number): Promise<number> {
  let total = 0;
  for (let round = 0; round < 50; round++) {
    const n = await sweepWebhookLog(sql, { olderThanMs: retentionDays * 24 * 3600 * 1000, limit: 5000 });
    total += n;
    if (n === 0) break;
  }
  return total;
}
