import type autocannon from "autocannon";

/**
 * autocannon's completion callback for the load children: one JSON line of the figures the bench reads
 * (rate, p50/p99, totals, non-2xx, errors, status codes) on stdout; exits 1 on a load error.
 */
export function writeLoadReport(error: Error | null, result: autocannon.Result): void {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  process.stdout.write(
    `${JSON.stringify({
      requestsPerSecond: result.requests.average,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      total: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: result.statusCodeStats,
    })}\n`,
  );
}
