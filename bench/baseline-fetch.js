// The bare baseline of the webhooks throughput scenario: BASELINE_TOTAL POSTs of a status-webhook-sized body
// to the receiver's BASELINE_URLS (round robin), BASELINE_CONCURRENCY loops of `await fetch(...)`, nothing
// else (no Postgres, no Redis, no signing). Plain JavaScript, so it runs on plain Node exactly as the
// worker's bundle does. Prints one JSON line: {"total":N,"seconds":S}.
const urls = (process.env.BASELINE_URLS ?? "").split(",");
const total = Number(process.env.BASELINE_TOTAL ?? 1000);
const concurrency = Number(process.env.BASELINE_CONCURRENCY ?? 100);
const body = JSON.stringify({
  type: "call.completed",
  timestamp: new Date().toISOString(),
  data: {
    call_id: "call_0123456789abcdef0123456789",
    status: "completed",
    previous_status: "in_progress",
    agent_id: "agt_0123456789abcdef0123456789",
    attempt: 1,
    end_reason: "hangup",
    duration_seconds: 42,
    sequence: 5,
  },
});

async function main() {
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    for (;;) {
      const n = next++;
      if (n >= total) return;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetch(urls[n % urls.length], {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": `evt_${n}`, "webhook-timestamp": timestamp },
        body,
        redirect: "manual",
      });
      await res.arrayBuffer();
      if (res.status < 200 || res.status >= 300) throw new Error(`status ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ total, seconds })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`baseline-fetch: ${error.message}\n`);
    process.exit(1);
  },
);
