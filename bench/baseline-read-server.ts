/**
 * The bare baseline of the REST read scenario: Express 5 and one primary-key SELECT through node-postgres,
 * answered as JSON, nothing else (no auth, no quota, no presentation). GET /v1/calls/:id.
 */
import express from "express";
import { Pool } from "pg";

const port = Number(process.env.PORT ?? 0);
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

const app = express();
app.get("/v1/calls/:id", async (req, res) => {
  const { rows } = await pool.query({ name: "read", text: "SELECT * FROM calls WHERE id = $1", values: [req.params.id] });
  if (!rows[0]) {
    res.status(404).json({ error: "not found" });
    return;
  }
  res.json(rows[0]);
});
const server = app.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`baseline listening on ${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
