/**
 * The bare baseline of scenario 4: a BullMQ worker doing one UPDATE per job, nothing else. Bundled and run
 * like the dialer (plain Node, same flags). The job id is the call id (packages/queue: callJobOptions).
 */
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { Pool } from "pg";

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
const worker = new Worker<{ orgId: string }>(
  "calls",
  async (job) => {
    await pool.query(
      `UPDATE calls SET status = 'completed', dialing_at = now(), ended_at = now() WHERE id = $1 AND status = 'queued'`,
      [job.id],
    );
  },
  { connection: redis, prefix: process.env.REDIS_PREFIX, concurrency: Number(process.env.DIALER_CONCURRENCY ?? 50) },
);
void worker.waitUntilReady().then(() => console.log("dialer ready"));
process.on("SIGTERM", () => {
  void worker.close().then(async () => {
    await pool.end();
    redis.disconnect();
    process.exit(0);
  });
});
