/**
 * The bare baseline of scenario 1: Express 5, one node-postgres INSERT, one BullMQ add, nothing else
 * (no auth, no quota, no validation, no credits). The ingress is measured against it in the same run.
 */
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import express from "express";
import { Redis } from "ioredis";
import { Pool } from "pg";

const port = Number(process.env.PORT ?? 0);
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
const queue = new Queue("baseline", { connection: redis, prefix: "{baseline}" });
const orgId = process.env.BASELINE_ORG_ID as string;
const agentId = process.env.BASELINE_AGENT_ID as string;

const app = express();
app.use(express.json({ limit: "32kb" }));
app.post("/v1/hooks/:token", async (req, res) => {
  const id = `call_${randomBytes(10).toString("hex")}`;
  await pool.query(`INSERT INTO calls (id, org_id, agent_id, contact_number, credits_reserved) VALUES ($1, $2, $3, $4, 1)`, [
    id,
    orgId,
    agentId,
    req.body?.data?.contact_number ?? null,
  ]);
  await queue.add("dial", { callId: id, orgId }, { jobId: id, removeOnComplete: true });
  res.status(201).json({ success: true, call_id: id, status: "queued", message: "Call has been queued successfully." });
});
const server = app.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`baseline listening on ${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => {
  server.close();
  void Promise.allSettled([queue.close(), pool.end()]).then(() => {
    redis.disconnect();
    process.exit(0);
  });
});
