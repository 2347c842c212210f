import { ApiError, WEBHOOK_EVENT_TYPES } from "@inbound/contracts";
import type { EndpointView } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import {
  createEndpoint,
  deliveryLog,
  disableEndpoint,
  type EndpointUseCaseContext,
  getEndpoint,
  getEndpoints,
  recoverFailed,
  resend,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from "@inbound/webhooks";
import { type Request, type Response, Router } from "express";
import type { DashboardDeps } from "../deps";
import { type Html, html } from "../html";
import { currentUser, flash, pageContext } from "../session";
import { copyable, csrfField, formatTime, layout, type PageContext } from "../views/layout";

export const STATUS_WEBHOOKS = "/integrations/status-webhooks";

const GRACE_CHOICES = [
  { minutes: 1440, label: "24 hours" },
  { minutes: 60, label: "1 hour" },
  { minutes: 10080, label: "7 days" },
  { minutes: 0, label: "None: the current secret stops at once" },
];

/** Form values: one string, several (checkboxes), or none. */
function values(raw: unknown): string[] {
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

function eventTypeFields(ctx: string, selected: readonly string[]): Html {
  return html`<fieldset class="events"><legend>Event types <span class="muted">(none ticked: every event)</span></legend>
    ${WEBHOOK_EVENT_TYPES.map(
      (t) =>
        html`<label class="check"><input type="checkbox" name="event_types" value="${t}" id="${ctx}-${t}"${selected.includes(t) ? html` checked` : ""}> <code>${t}</code></label>`,
    )}</fieldset>`;
}

function state(e: EndpointView): Html {
  if (!e.enabled) return html`<span class="badge failed">Disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ""}</span>`;
  if (e.failing_since) return html`<span class="badge queued">Failing since ${formatTime(new Date(e.failing_since))}</span>`;
  return html`<span class="badge completed">Enabled</span>`;
}

/** A datetime-local value (UTC) for `ms`. */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/**
 * Integrations → Status webhooks (SPEC §6, §7): endpoints, their secrets, test events, the delivery log,
 * resend and recover, all through @inbound/webhooks' endpoint use cases (the admin CLI's and the REST API's
 * own), always with the signed-in user's orgId: another organisation's endpoint or message answers 404.
 * Secrets are only in the response to the POST that created them (Cache-Control: no-store).
 */
export function statusWebhookRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const clock = deps.clock ?? Date.now;
  const uc: EndpointUseCaseContext = {
    sql: deps.db.pool,
    box: new SecretBox(deps.config.SECRETS_KEY),
    policy: { allowInsecure: deps.config.WEBHOOK_ALLOW_INSECURE },
  };
  const send = (res: Response, ctx: PageContext, body: Html) =>
    res
      .set("Cache-Control", "no-store")
      .type("html")
      .send(String(layout(ctx, body)));

  async function listPage(
    req: Request,
    res: Response,
    shown?: { secret?: string; endpointId?: string; error?: string; url?: string; description?: string; eventTypes?: string[] },
  ) {
    const { orgId } = currentUser(req);
    const endpoints = await getEndpoints(uc, { orgId });
    const ctx = pageContext(req, "Status webhooks", "status-webhooks");
    const body = html`<h1>Status webhooks</h1>
      <p class="hint">We POST signed events (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>) to these URLs as your calls change status. Failed deliveries are retried for days; every attempt is in the endpoint's delivery log.</p>
      ${
        shown?.secret
          ? html`<div class="flash ok" role="status" id="new-endpoint-secret">
          <p><strong>Endpoint added.</strong> Its signing secret is shown only once: copy it now into your receiver.</p>
          ${copyable("endpoint-secret", "endpoint signing secret", shown.secret)}
          <p><a href="${STATUS_WEBHOOKS}/${shown.endpointId ?? ""}">Open the endpoint</a></p></div>`
          : ""
      }
      ${
        endpoints.length === 0
          ? html`<div class="empty" id="no-endpoints">No endpoints yet. Add one below.</div>`
          : html`<table id="endpoints"><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Added</th></tr></thead>
            <tbody>${endpoints.map(
              (
                e,
              ) => html`<tr><td><a href="${STATUS_WEBHOOKS}/${e.id}">${e.url}</a>${e.description ? html`<div class="muted">${e.description}</div>` : ""}</td>
                <td>${e.event_types.length === 0 ? "all" : e.event_types.join(", ")}</td><td>${state(e)}</td><td>${formatTime(new Date(e.created_at))}</td></tr>`,
            )}</tbody></table>`
      }
      <section class="card" aria-labelledby="add-h">
        <h2 id="add-h">Add an endpoint</h2>
        ${shown?.error ? html`<p class="warning" role="alert" id="form-error">${shown.error}</p>` : ""}
        <form method="post" action="${STATUS_WEBHOOKS}">${csrfField(ctx.csrfToken)}
          <div class="field"><label for="url">Endpoint URL</label><input id="url" name="url" type="url" required maxlength="2048" placeholder="https://example.com/webhooks/calls" value="${shown?.url ?? ""}"></div>
          <div class="field"><label for="description">Description <span class="muted">(optional)</span></label><input id="description" name="description" maxlength="200" value="${shown?.description ?? ""}"></div>
          ${eventTypeFields("new", shown?.eventTypes ?? [])}
          <div class="actions"><button type="submit">Add endpoint</button></div>
        </form>
      </section>`;
    send(res, ctx, body);
  }

  async function endpointPage(req: Request, res: Response, shown?: { secret?: string; validUntil?: string | null }) {
    const { orgId } = currentUser(req);
    const endpointId = String(req.params.id);
    const endpoint = await getEndpoint(uc, { endpointId, orgId });
    const ctx = pageContext(req, "Status webhook endpoint", "status-webhooks");
    const base = `${STATUS_WEBHOOKS}/${endpoint.id}`;
    const body = html`<p><a href="${STATUS_WEBHOOKS}">← Status webhooks</a></p>
      <h1>Endpoint <code>${endpoint.id}</code></h1>
      ${
        shown?.secret
          ? html`<div class="flash ok" role="status" id="rotated-secret">
          <p><strong>New signing secret.</strong> Copy it now: it is shown only once. ${
            shown.validUntil
              ? `The previous secret still signs (beside the new one) until ${formatTime(new Date(shown.validUntil))}.`
              : "The previous secret no longer signs."
          }</p>
          ${copyable("endpoint-secret", "endpoint signing secret", shown.secret)}</div>`
          : ""
      }
      <section class="card" aria-labelledby="ep-h">
        <h2 id="ep-h">${endpoint.url} ${state(endpoint)}</h2>
        ${endpoint.description ? html`<p>${endpoint.description}</p>` : ""}
        <form method="post" action="${base}/events">${csrfField(ctx.csrfToken)}
          ${eventTypeFields("edit", endpoint.event_types)}
          <div class="actions"><button type="submit" class="secondary">Save event types</button></div>
        </form>
        <div class="actions">
          <form method="post" action="${base}/test" class="inline">${csrfField(ctx.csrfToken)}<button type="submit">Send test event</button></form>
          ${
            endpoint.enabled
              ? html`<form method="post" action="${base}/disable" class="inline">${csrfField(ctx.csrfToken)}<button type="submit" class="danger">Disable endpoint</button></form>`
              : html`<form method="post" action="${base}/enable" class="inline">${csrfField(ctx.csrfToken)}<button type="submit">Enable endpoint</button></form>`
          }
        </div>
      </section>
      <section class="card" aria-labelledby="secret-h">
        <h2 id="secret-h">Signing secret</h2>
        <form method="post" action="${base}/rotate" class="actions">${csrfField(ctx.csrfToken)}
          <div class="field"><label for="grace">Keep signing with the current secret too for</label>
          <select id="grace" name="grace_minutes">${GRACE_CHOICES.map((g) => html`<option value="${g.minutes}">${g.label}</option>`)}</select></div>
          <button type="submit" class="secondary">Rotate signing secret</button></form>
      </section>
      <section class="card" aria-labelledby="recover-h">
        <h2 id="recover-h">Recover failed messages</h2>
        <p class="hint">Sends again every message to this endpoint that failed and was created since the time you give.</p>
        <form method="post" action="${base}/recover" class="actions">${csrfField(ctx.csrfToken)}
          <div class="field"><label for="since">Failed since (UTC)</label><input id="since" name="since" type="datetime-local" required value="${localInput(clock() - 86_400_000)}"></div>
          <button type="submit" class="secondary">Recover failed messages</button></form>
      </section>
      ${await logPanel(req, endpoint.id, ctx.csrfToken)}`;
    send(res, ctx, body);
  }

  /** The delivery log (every attempt) and the latest messages with resend; htmx refreshes it every 2 s. */
  async function logPanel(req: Request, endpointId: string, csrfToken: string | undefined): Promise<Html> {
    const { orgId } = currentUser(req);
    const log = await deliveryLog(uc, { endpointId, orgId, limit: 50 });
    const base = `${STATUS_WEBHOOKS}/${endpointId}`;
    return html`<section id="delivery-log" class="card" aria-labelledby="log-h" hx-get="${base}/log" hx-trigger="every 2s" hx-swap="outerHTML">
      <h2 id="log-h">Delivery log</h2>
      <h3>Attempts</h3>
      ${
        log.attempts.length === 0
          ? html`<div class="empty" id="no-attempts">No delivery attempts yet.</div>`
          : html`<table id="attempts"><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Message</th><th scope="col">Attempt</th><th scope="col">Result</th><th scope="col">Latency</th></tr></thead>
          <tbody>${log.attempts.map(
            (
              a,
            ) => html`<tr><td>${formatTime(new Date(a.at))}</td><td><code>${a.event_type}</code></td><td><code>${a.message_id}</code></td><td>${a.attempt}</td>
              <td><span class="badge ${a.succeeded ? "completed" : "failed"}">${a.status_code ?? "no answer"}</span>${a.error ? html` <span class="muted">${a.error}</span>` : ""}</td>
              <td>${a.latency_ms} ms</td></tr>`,
          )}</tbody></table>`
      }
      <h3>Messages</h3>
      ${
        log.messages.length === 0
          ? html`<div class="empty" id="no-messages">No messages yet.</div>`
          : html`<table id="messages"><thead><tr><th scope="col">Created</th><th scope="col">Event</th><th scope="col">Message</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${log.messages.map(
            (
              m,
            ) => html`<tr><td>${formatTime(new Date(m.created_at))}</td><td><code>${m.event_type}</code></td><td><code>${m.id}</code></td>
              <td><span class="badge ${m.status === "delivered" ? "completed" : m.status === "failed" ? "failed" : "queued"}">${m.status}</span></td><td>${m.attempts}</td>
              <td><form method="post" action="${base}/messages/${m.id}/resend" class="inline">${csrfField(csrfToken)}<button type="submit" class="secondary" aria-label="Resend message ${m.id}">Resend</button></form></td></tr>`,
          )}</tbody></table>`
      }
    </section>`;
  }

  /** A change through a use case; a 400 (bad input) comes back to the page as a message, a 404 is the app's. */
  async function act(req: Request, res: Response, run: (orgId: string, endpointId: string) => Promise<string | undefined>) {
    const { orgId } = currentUser(req);
    const endpointId = String(req.params.id);
    try {
      const text = await run(orgId, endpointId);
      if (text) flash(req, "ok", text);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      flash(req, "error", error.message);
    }
    res.redirect(303, `${STATUS_WEBHOOKS}/${endpointId}`);
  }

  router.get(STATUS_WEBHOOKS, (req, res) => listPage(req, res));

  router.post(STATUS_WEBHOOKS, async (req, res) => {
    const { orgId } = currentUser(req);
    const input = {
      url: String(req.body?.url ?? "").trim(),
      description: String(req.body?.description ?? "").trim(),
      eventTypes: values(req.body?.event_types),
    };
    try {
      const created = await createEndpoint(uc, {
        orgId,
        url: input.url,
        eventTypes: input.eventTypes,
        description: input.description || undefined,
      });
      return listPage(req, res, { secret: created.secret, endpointId: created.id });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      res.status(400);
      return listPage(req, res, { error: error.message, ...input });
    }
  });

  router.get(`${STATUS_WEBHOOKS}/:id`, (req, res) => endpointPage(req, res));

  router.get(`${STATUS_WEBHOOKS}/:id/log`, async (req, res) => {
    const panel = await logPanel(req, String(req.params.id), req.csrfToken?.());
    res.set("Cache-Control", "no-store").type("html").send(String(panel));
  });

  router.post(`${STATUS_WEBHOOKS}/:id/events`, (req, res) =>
    act(req, res, async (orgId, endpointId) => {
      await updateEndpoint(uc, { orgId, endpointId, eventTypes: values(req.body?.event_types) });
      return "Event types saved.";
    }),
  );
  router.post(`${STATUS_WEBHOOKS}/:id/disable`, (req, res) =>
    act(req, res, async (orgId, endpointId) => {
      await disableEndpoint(uc, { orgId, endpointId });
      return "Endpoint disabled: nothing is sent to it, and its pending messages failed (recover them after enabling it).";
    }),
  );
  router.post(`${STATUS_WEBHOOKS}/:id/enable`, (req, res) =>
    act(req, res, async (orgId, endpointId) => {
      await updateEndpoint(uc, { orgId, endpointId, enabled: true });
      return "Endpoint enabled.";
    }),
  );
  router.post(`${STATUS_WEBHOOKS}/:id/test`, (req, res) =>
    act(req, res, async (orgId, endpointId) => {
      const sent = await sendTestEvent(uc, { orgId, endpointId });
      return `Test event queued (message ${sent.message_id}); its attempt appears in the delivery log below.`;
    }),
  );
  router.post(`${STATUS_WEBHOOKS}/:id/messages/:messageId/resend`, (req, res) =>
    act(req, res, async (orgId) => {
      // Scoped by organisation in the use case: another organisation's message answers 404.
      const messageId = String(req.params.messageId);
      await resend(uc, { orgId, messageId });
      return `Message ${messageId} is being sent again.`;
    }),
  );
  router.post(`${STATUS_WEBHOOKS}/:id/recover`, (req, res) =>
    act(req, res, async (orgId, endpointId) => {
      const since = new Date(`${String(req.body?.since ?? "")}Z`);
      if (Number.isNaN(since.getTime()))
        throw new ApiError("invalid_field", "Give the time to recover from, e.g. 2026-11-30 12:00 (UTC).", "since");
      const { recovered } = await recoverFailed(uc, { orgId, endpointId, since });
      return recovered === 0 ? "No failed messages since then." : `${recovered} failed message(s) are being sent again.`;
    }),
  );
  router.post(`${STATUS_WEBHOOKS}/:id/rotate`, async (req, res) => {
    const { orgId } = currentUser(req);
    const grace = Number(req.body?.grace_minutes ?? 0);
    const graceMinutes = GRACE_CHOICES.some((g) => g.minutes === grace) ? grace : 0;
    const rotated = await rotateSecret(uc, { orgId, endpointId: String(req.params.id), graceMinutes });
    return endpointPage(req, res, { secret: rotated.secret, validUntil: rotated.previous_valid_until });
  });
  return router;
}
