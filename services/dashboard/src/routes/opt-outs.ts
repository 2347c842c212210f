import { ApiError } from "@inbound/contracts";
import { addOptOutUseCase, listOptOutsUseCase, OPT_OUT_LIST_LIMIT_MAX, removeOptOutUseCase } from "@inbound/orders";
import { type Request, type Response, Router } from "express";
import type { DashboardDeps } from "../deps";
import { Html, html } from "../html";
import { ordersDeps } from "../orders-deps";
import { currentUser, flash, pageContext } from "../session";
import { csrfField, formatTime, layout } from "../views/layout";

export const DO_NOT_CALL = "/settings/do-not-call";

const calls = (n: number) => `${n} pending call${n === 1 ? "" : "s"}`;

/**
 * Settings → Do-not-call (SPEC §9): the organisation's opt-out list through @inbound/orders' use cases (the
 * CLI's and REST's own). Adding a number cancels its scheduled, queued and retry-pending calls in the same
 * statement and says how many. Numbers are PII: they are shown only on this page of the signed-in organisation (no-store), travel
 * only in form bodies (never in a URL, so never in an access log or the browser's history), and are left out
 * of flash messages (kept in the Redis session) and of logs.
 */
export function optOutRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const orders = ordersDeps(deps);

  async function render(
    req: Request,
    res: Response,
    shown: { number?: string; error?: string; after?: string | null; flash?: { kind: "ok" | "error"; text: string } } = {},
  ) {
    const { orgId } = currentUser(req);
    const page = await listOptOutsUseCase(orders, { orgId, limit: OPT_OUT_LIST_LIMIT_MAX, startingAfter: shown.after ?? null });
    const ctx = pageContext(req, "Do-not-call list", "do-not-call");
    if (shown.flash) ctx.flash = shown.flash;
    const invalid = shown.error ? new Html(' aria-invalid="true" aria-describedby="number-error"') : "";
    const body = html`<h1>Do-not-call list</h1>
      <p class="hint">Numbers your organisation must never call. A new call to a listed number is refused (422 recipient_opted_out); adding a number cancels its scheduled and queued calls, and those waiting for a retry, at once. The same list as <code>/v1/opt-outs</code> and <code>pnpm admin optout</code>.</p>
      <section class="card" aria-labelledby="add-h">
        <h2 id="add-h">Add a number</h2>
        <form method="post" action="${DO_NOT_CALL}">${csrfField(ctx.csrfToken)}
          <div class="field"><label for="number">Phone number, with its country code</label>
            <input id="number" name="number" type="tel" autocomplete="off" placeholder="+14155552671" value="${shown.number ?? ""}"${invalid}>
            ${shown.error ? html`<p class="field-error" id="number-error">${shown.error}</p>` : ""}</div>
          <div class="actions"><button type="submit">Add to the list</button></div>
        </form>
      </section>
      <h2 id="list-h">${shown.after ? "Listed numbers (continued)" : "Listed numbers"}</h2>
      ${
        page.data.length === 0
          ? html`<div class="empty" id="no-opt-outs">${shown.after ? "No more numbers." : "No numbers on the list."}</div>`
          : html`<table id="opt-outs" aria-labelledby="list-h"><thead><tr><th scope="col">Number</th><th scope="col">Added by</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>${page.data.map(
              (
                o,
              ) => html`<tr><td><code>${String(o.number)}</code></td><td>${String(o.source)}</td><td class="nowrap">${formatTime(new Date(String(o.created_at)))}</td>
                <td><form method="post" action="${DO_NOT_CALL}/remove">${csrfField(ctx.csrfToken)}<input type="hidden" name="number" value="${String(o.number)}"><button type="submit" class="secondary" aria-label="Remove ${String(o.number)}">Remove</button></form></td></tr>`,
            )}</tbody></table>`
      }
      ${
        page.has_more && page.next_cursor
          ? html`<form method="post" action="${DO_NOT_CALL}/page" class="actions">${csrfField(ctx.csrfToken)}<input type="hidden" name="after" value="${page.next_cursor}"><button type="submit" class="secondary">Next ${OPT_OUT_LIST_LIMIT_MAX} numbers</button></form>`
          : ""
      }`;
    res
      .set("Cache-Control", "no-store")
      .type("html")
      .send(String(layout(ctx, body)));
  }

  const field = (req: Request, name: string) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === "string" ? value.trim().slice(0, 64) : "";
  };

  router.get(DO_NOT_CALL, (req, res) => render(req, res));

  // The next page: a POST, so the cursor (a number) stays out of the URL.
  router.post(`${DO_NOT_CALL}/page`, (req, res) => render(req, res, { after: field(req, "after") || null }));

  router.post(DO_NOT_CALL, async (req, res) => {
    const number = field(req, "number");
    try {
      const added = await addOptOutUseCase(orders, { orgId: currentUser(req).orgId, number, source: "dashboard" });
      const canceled = Number(added.canceled_calls);
      flash(
        req,
        "ok",
        `${added.added ? "Number added to the do-not-call list" : "That number was already on the list"}: ${calls(canceled)} canceled.`,
      );
      res.redirect(303, DO_NOT_CALL);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      return render(req, res.status(400), { number, error: error.message.replace(/^number /, "The number ") });
    }
  });

  router.post(`${DO_NOT_CALL}/remove`, async (req, res) => {
    try {
      await removeOptOutUseCase(orders, { orgId: currentUser(req).orgId, number: field(req, "number") });
      flash(req, "ok", "Number removed from the do-not-call list: it can be called again.");
      res.redirect(303, DO_NOT_CALL);
    } catch (error) {
      if (!(error instanceof ApiError) || (error.code !== "opt_out_not_found" && error.status !== 400)) throw error;
      // Another organisation's number answers like one never listed.
      return render(req, res.status(error.status), { flash: { kind: "error", text: `${error.message} (${error.code})` } });
    }
  });

  return router;
}
