import { CALL_STATUSES } from "@inbound/contracts";
import { callsPerHour, showOrganization } from "@inbound/db";
import { readRequestLog } from "@inbound/queue";
import { Router } from "express";
import type { DashboardDeps } from "../deps";
import { Html, html } from "../html";
import { currentUser, pageContext } from "../session";
import { formatTime, layout } from "../views/layout";

/**
 * The organisation's daily request counter as the ingress keeps it (services/ingress/src/pipeline/quota.ts:
 * `${prefix}:quota:${orgId}:${YYYYMMDD UTC}`), read here without counting anything.
 */
export function quotaCounterKey(prefix: string, orgId: string, now: number): string {
  const day = new Date(Math.floor(now / 86_400_000) * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
  return `${prefix}:quota:${orgId}:${day}`;
}

export function pageRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const prisma = deps.db.prisma;
  const clock = deps.clock ?? Date.now;

  router.get("/request-log", async (req, res) => {
    const { orgId } = currentUser(req);
    const entries = await readRequestLog(deps.redis, deps.config.REDIS_PREFIX, orgId, { limit: 200, now: clock() });
    const ctx = pageContext(req, "Request log", "request-log");
    const body = html`<h1>Request log</h1>
      <p class="hint">Your organisation's recent inbound requests (kept 7 days). Only metadata is kept: never bodies, tokens, signatures or contact details.</p>
      ${
        entries.length === 0
          ? html`<div class="empty">No requests in the last 7 days.</div>`
          : html`<table id="request-log"><thead><tr><th scope="col">Time</th><th scope="col">Transport</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Error code</th><th scope="col">Latency</th><th scope="col">Request id</th><th scope="col">Signature</th></tr></thead>
            <tbody>${entries.map(
              (e) => html`<tr><td class="nowrap">${formatTime(e.at)}</td><td>${e.transport}</td><td>${e.action ?? "—"}</td>
                <td><span class="badge ${e.status < 400 ? "completed" : "failed"}">${e.status}</span></td><td>${e.code ?? "—"}</td>
                <td class="nowrap">${e.latencyMs.toFixed(1)} ms</td><td><code>${e.requestId}</code></td>
                <td>${e.signatureVerified === undefined ? "not required" : e.signatureVerified ? "verified" : "not verified"}</td></tr>`,
            )}</tbody></table>`
      }`;
    res.type("html").send(String(layout(ctx, body)));
  });

  router.get("/usage", async (req, res) => {
    const { orgId } = currentUser(req);
    const now = clock();
    const [org, perHour, usedRaw] = await Promise.all([
      showOrganization(prisma, orgId),
      callsPerHour(prisma, orgId, new Date(now)),
      deps.redis.get(quotaCounterKey(deps.config.REDIS_PREFIX, orgId, now)).catch(() => null),
    ]);
    const used = Number(usedRaw ?? 0);
    const firstHour = Math.floor(now / 3_600_000) * 3_600_000 - 23 * 3_600_000;
    const hours = Array.from({ length: 24 }, (_, i) => firstHour + i * 3_600_000);
    const labels = hours.map((h) => `${new Date(h).toISOString().slice(11, 13)}:00`);
    const statuses = CALL_STATUSES.filter((s) => perHour.some((r) => r.status === s));
    const series = statuses.map((status) => ({
      status,
      counts: hours.map((h) => perHour.filter((r) => r.status === status && r.hour.getTime() === h).reduce((n, r) => n + r.count, 0)),
    }));
    const total = perHour.reduce((n, r) => n + r.count, 0);
    // JSON inside a <script type="application/json">: "<" escaped so no value can close the element.
    const data = JSON.stringify({ labels, series }).replaceAll("<", "\\u003c");
    const ctx = pageContext(req, "Usage", "usage");
    const body = html`<h1>Usage</h1>
      <div class="stats">
        <div class="stat"><div class="muted">Credits balance</div><div class="value" data-testid="credits">${org.credits}</div></div>
        <div class="stat"><div class="muted">Requests today (UTC)</div><div class="value" data-testid="quota-used">${used}</div><div class="muted">of ${org.daily_quota}</div></div>
        <div class="stat"><div class="muted">Left today</div><div class="value" data-testid="quota-left">${Math.max(0, org.daily_quota - used)}</div></div>
        <div class="stat"><div class="muted">Calls, last 24 h</div><div class="value" data-testid="calls-24h">${total}</div></div>
      </div>
      <h2 id="chart-h">Calls per hour by status, last 24 hours (UTC)</h2>
      <div class="chart"><canvas id="usage-chart" role="img" aria-labelledby="chart-h" aria-describedby="chart-summary"></canvas></div>
      <p id="chart-summary" class="muted">${
        series.length === 0 ? "No calls in the last 24 hours." : series.map((s) => `${s.status}: ${s.counts.reduce((a, b) => a + b, 0)}`).join(", ")
      }</p>
      <script type="application/json" id="usage-data">${new Html(data)}</script>
      <script src="/assets/vendor/chart.umd.min.js" defer></script>
      <script src="/assets/usage.js" defer></script>`;
    res.type("html").send(String(layout(ctx, body)));
  });

  return router;
}
