import { CALL_NOT_FOUND_MESSAGE, type CallRequest, type CallUseCaseDeps, callNotFound, cancelCall, deleteCall } from "@inbound/calls";
import { ApiError, CALL_STATUSES, type CallStatus, isCancelable, isTerminal } from "@inbound/contracts";
import { listOrgCalls, showOrgCall, type CallTimeline } from "@inbound/db";
import { presentOrder } from "@inbound/orders";
import { type Request, type Response, Router } from "express";
import type { DashboardDeps } from "../deps";
import { Html, html } from "../html";
import { currentUser, flash, pageContext } from "../session";
import { csrfField, formatTime, layout } from "../views/layout";

const CALL_ID = /^call_[A-Za-z0-9_-]{1,100}$/;

const at = (iso: unknown) => (typeof iso === "string" ? html`<time datetime="${iso}">${formatTime(new Date(iso))}</time>` : "—");

const DECISION_REASONS: Record<string, string> = {
  not_before: "before not_before",
  calling_hours: "outside calling hours",
  not_after: "past not_after",
  no_opening_before_not_after: "no calling-hours opening before not_after",
  no_opening: "no calling-hours opening",
};

/** One window decision as a sentence: "dial now", "wait until T (outside calling hours)", "expire (past not_after)". */
function decisionText(d: Record<string, unknown>): Html {
  const reason = typeof d.reason === "string" ? (DECISION_REASONS[d.reason] ?? d.reason) : null;
  if (d.decision === "dial_now") return html`dial now`;
  if (d.decision === "defer") return html`wait until ${at(d.until)}${reason ? ` (${reason})` : ""}`;
  return html`${String(d.decision ?? "?")}${reason ? ` (${reason})` : ""}`;
}

/**
 * The call order's part of the page (SPEC §9), from @inbound/orders' presentOrder (what REST and `call show`
 * present): schedule, redial policy, each dial attempt and each calling-window decision.
 */
function orderPanel(call: CallTimeline): { schedule: Html; history: Html } {
  const order = presentOrder(call.order);
  const { schedule, retry } = order;
  const hours = schedule.calling_hours ? `${schedule.calling_hours.start}–${schedule.calling_hours.end} local time` : "any hour";
  const redial =
    retry && (retry.max_attempts ?? 1) > 1
      ? `up to ${retry.max_attempts} attempts after ${(retry.on ?? []).map((o) => o.replace("_", " ")).join(", ")}${retry.backoff_minutes?.length ? `, waiting ${retry.backoff_minutes.join(", ")} min` : ""}`
      : "none";
  const scheduleCard = html`<section class="card" aria-labelledby="order-h">
      <h2 id="order-h">Schedule</h2>
      <dl class="facts" data-testid="schedule">
        <dt>Due</dt><dd data-testid="due-at">${at(schedule.due_at)}</dd>
        <dt>Not before</dt><dd data-testid="not-before">${at(schedule.not_before)}</dd>
        <dt>Not after</dt><dd data-testid="not-after">${at(schedule.not_after)}</dd>
        <dt>Calling hours</dt><dd>${hours}${schedule.time_zones.length ? html` <span class="muted">· ${schedule.time_zones.join(", ")}</span>` : ""}</dd>
        <dt>Redial</dt><dd>${redial}</dd>
      </dl>
    </section>`;
  const history = html`<h2 id="attempts-h">Dial attempts</h2>
    ${
      order.dial_attempts.length === 0
        ? html`<div class="empty" id="dial-attempts">${call.attempts === 0 ? "Not dialled yet." : "No attempt recorded for this call."}</div>`
        : html`<table id="dial-attempts" aria-labelledby="attempts-h"><thead><tr><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead>
          <tbody>${order.dial_attempts.map(
            (a) => html`<tr><td>${a.attempt}</td><td>${a.outcome ? badge(a.outcome) : "in progress"}</td><td class="nowrap">${at(a.started_at)}</td><td class="nowrap">${at(a.ended_at)}</td></tr>`,
          )}</tbody></table>`
    }
    <h2 id="decisions-h">Calling-window decisions</h2>
    ${
      order.window_decisions.length === 0
        ? html`<div class="empty" id="window-decisions">None recorded.</div>`
        : html`<ol class="decisions" id="window-decisions" aria-labelledby="decisions-h">${order.window_decisions.map(
            (d) => html`<li>${at(d.at)} · attempt ${String(d.attempt ?? "—")}: ${decisionText(d)}</li>`,
          )}</ol>`
    }`;
  return { schedule: scheduleCard, history };
}

function badge(status: string): Html {
  return html`<span class="badge ${status}">${status.replace("_", " ")}</span>`;
}

function maskNumber(number: string | null): string {
  return number ? `${number.slice(0, 4)}•••${number.slice(-2)}` : "—";
}

function callsTable(calls: Awaited<ReturnType<typeof listOrgCalls>>): Html {
  if (calls.length === 0) return html`<div class="empty" id="calls-table">No calls match.</div>`;
  return html`<table id="calls-table">
    <caption class="muted" style="caption-side:bottom;text-align:left;padding:6px">${calls.length} calls, newest first</caption>
    <thead><tr><th scope="col">Call</th><th scope="col">Status</th><th scope="col">Agent</th><th scope="col">Contact</th><th scope="col">Created</th><th scope="col">Ended</th><th scope="col">End reason</th></tr></thead>
    <tbody>${calls.map(
      (c) => html`<tr>
        <td><a href="/calls/${c.id}"><code>${c.id}</code></a></td>
        <td>${badge(c.status)}${c.status === "scheduled" && c.dueAt ? html`<div class="muted due">due <time datetime="${c.dueAt.toISOString()}">${formatTime(c.dueAt)}</time></div>` : ""}</td><td>${c.agentName}</td><td>${maskNumber(c.contactNumber)}</td>
        <td>${formatTime(c.queuedAt)}</td><td>${formatTime(c.endedAt)}</td><td>${c.endReason ?? "—"}</td>
      </tr>`,
    )}</tbody></table>`;
}

function timelinePanel(call: CallTimeline, csrfToken: string | undefined): Html {
  const live = !isTerminal(call.status);
  // The controls have ids: htmx gives the focus back to the element of the same id after each refresh, so a
  // keyboard user's focus survives it.
  const actions = html`<div class="actions">
      ${isCancelable(call.status) ? html`<form method="post" action="/calls/${call.id}/cancel">${csrfField(csrfToken)}<button type="submit" class="danger" id="cancel-call">Cancel call</button></form>` : ""}
      ${isTerminal(call.status) ? html`<a class="button secondary" id="delete-call" href="/calls/${call.id}/delete">Delete call…</a>` : ""}
      <a href="/calls" id="all-calls">All calls</a>
    </div>`;
  // While the call is live, htmx refreshes this panel every second (the timeline grows in place); a scheduled
  // call, which waits minutes or hours, every 10 seconds.
  const every = call.status === "scheduled" ? "10s" : "1s";
  const order = orderPanel(call);
  return html`<div id="call-panel" ${live ? new Html(`hx-get="/calls/${call.id}" hx-trigger="every ${every}" hx-swap="outerHTML" hx-select="#call-panel"`) : ""}>
    ${actions}
    <section class="card">
      <dl class="facts">
        <dt>Status</dt><dd data-testid="call-status">${badge(call.status)}</dd>
        <dt>Agent</dt><dd>${call.agentName} <code>${call.agentId}</code></dd>
        <dt>Contact</dt><dd>${maskNumber(call.contactNumber)}</dd>
        <dt>Attempts</dt><dd>${call.attempts}</dd>
        <dt>End reason</dt><dd>${call.endReason ?? "—"}</dd>
        <dt>Duration</dt><dd>${call.durationSeconds === null ? "—" : `${call.durationSeconds} s`}</dd>
      </dl>
    </section>
    ${order.schedule}
    <h2>Timeline</h2>
    <ol class="timeline" aria-label="Timeline">
      ${call.events.map((e) => html`<li>${badge(e.to)} <time datetime="${e.at.toISOString()}">${formatTime(e.at)}</time>${e.detail ? html` <span class="muted">· ${e.detail}</span>` : ""}</li>`)}
    </ol>
    ${order.history}
  </div>`;
}

export function callRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const prisma = deps.db.prisma;

  router.get("/calls", async (req, res) => {
    const { orgId } = currentUser(req);
    const status = CALL_STATUSES.includes(req.query.status as CallStatus) ? (req.query.status as CallStatus) : undefined;
    const search = typeof req.query.q === "string" ? req.query.q.trim().slice(0, 120) : "";
    const calls = await listOrgCalls(prisma, { orgId, status, search: search || undefined, limit: 100 });
    const table = callsTable(calls);
    if (req.get("HX-Request") === "true") return res.type("html").send(String(table));
    const body = html`<h1>Calls</h1>
      <form class="filters" method="get" action="/calls" role="search" hx-get="/calls" hx-target="#calls-table" hx-swap="outerHTML" hx-trigger="change, keyup changed delay:300ms from:#q" hx-push-url="true">
        <div class="field"><label for="status">Status</label>
          <select id="status" name="status"><option value="">All</option>${CALL_STATUSES.map(
            (s) => html`<option value="${s}"${s === status ? new Html(" selected") : ""}>${s.replace("_", " ")}</option>`,
          )}</select></div>
        <div class="field"><label for="q">Call id</label><input id="q" name="q" type="search" placeholder="call_…" value="${search}"></div>
        <button type="submit" class="secondary">Filter</button>
      </form>
      ${table}`;
    res.type("html").send(String(layout(pageContext(req, "Calls", "calls"), body)));
  });

  const notFound = (req: Request, res: Response) => {
    res
      .status(404)
      .type("html")
      .send(String(layout(pageContext(req, "Call not found", "calls"), html`<h1>Call not found</h1><p>${CALL_NOT_FOUND_MESSAGE}</p><p><a href="/calls">All calls</a></p>`)));
  };

  router.get("/calls/:id", async (req, res) => {
    const { orgId } = currentUser(req);
    const callId = String(req.params.id);
    const call = CALL_ID.test(callId) ? await showOrgCall(prisma, { orgId, callId }) : null;
    if (!call) return notFound(req, res);
    const ctx = pageContext(req, `Call ${call.id}`, "calls");
    const body = html`<h1>Call <code>${call.id}</code></h1>${timelinePanel(call, ctx.csrfToken)}`;
    res.type("html").send(String(layout(ctx, body)));
  });

  // Cancel and delete are @inbound/calls' use cases, the webhook's, REST's and the admin CLI's own.
  const useCaseDeps: CallUseCaseDeps = { sql: deps.db.pool, queues: deps.queues, logger: deps.logger, config: deps.config };

  /** Runs cancel/delete and turns §2's refusals into the message shown on the call's page. */
  async function act(req: Request, res: Response, run: typeof cancelCall | typeof deleteCall, after: "call" | "list") {
    const { orgId } = currentUser(req);
    const callId = String(req.params.id);
    try {
      if (!CALL_ID.test(callId)) throw callNotFound("call_id");
      const request: CallRequest = { orgId, callId, by: "dashboard", field: "call_id" };
      const { message } = await run(useCaseDeps, request);
      flash(req, "ok", message);
      res.redirect(303, after === "list" ? "/calls" : `/calls/${callId}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "call_not_found") return notFound(req, res);
      flash(req, "error", `${error.message} (${error.code})`);
      res.redirect(303, `/calls/${callId}`);
    }
  }

  router.post("/calls/:id/cancel", (req, res) => act(req, res, cancelCall, "call"));

  router.get("/calls/:id/delete", async (req, res) => {
    const { orgId } = currentUser(req);
    const callId = String(req.params.id);
    const call = CALL_ID.test(callId) ? await showOrgCall(prisma, { orgId, callId }) : null;
    if (!call) return notFound(req, res);
    const ctx = pageContext(req, "Delete call", "calls");
    const body = html`<h1>Delete call <code>${call.id}</code>?</h1>
      <p class="warning">This erases the contact's number, name, email, additional info, the transcript and the recording, here and at the telephony provider. It cannot be undone; afterwards the call answers 404 everywhere.</p>
      <form method="post" action="/calls/${call.id}/delete" class="actions">${csrfField(ctx.csrfToken)}
        <button type="submit" class="danger">Delete call</button><a href="/calls/${call.id}">Keep it</a></form>`;
    res.type("html").send(String(layout(ctx, body)));
  });

  router.post("/calls/:id/delete", (req, res) => act(req, res, deleteCall, "list"));

  return router;
}
