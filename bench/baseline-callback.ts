/**
 * The bare baseline of scenario 8: Express 5, a urlencoded body parser and one node-postgres INSERT into
 * provider_events per request, nothing else (no signature check, no validation). Bundled and run with the
 * ingress' Node flags; the Twilio callback route is measured against it in the same run.
 */
import express from "express";
import { Pool } from "pg";

const port = Number(process.env.PORT ?? 0);
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

const app = express();
app.post("/v1/provider-callbacks/twilio", express.urlencoded({ extended: false, limit: "16kb" }), async (req, res) => {
  const body = (req.body ?? {}) as Record<string, string>;
  await pool.query(
    `INSERT INTO provider_events (provider, provider_call_id, call_id, attempt, kind) VALUES ('twilio', $1, $2, $3, $4)`,
    [body.CallSid ?? null, req.query.call_id, Number(req.query.attempt), body.CallStatus ?? "ringing"],
  );
  res.status(204).end();
});
const server = app.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`baseline listening on ${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
