import { createApiKey, listApiKeys, revokeApiKey } from "@inbound/db";
import { type Request, type Response, Router } from "express";
import type { DashboardDeps } from "../deps";
import { type Html, html } from "../html";
import { currentUser, flash, pageContext } from "../session";
import { copyable, csrfField, formatTime, layout } from "../views/layout";

export const API_KEYS = "/integrations/api-keys";

/**
 * Integrations → API keys (SPEC §5, §7): create (shown once), name, last used, revoke — the same statements
 * as `pnpm admin apikey …`, and revocation through the same notifier (committed whatever Redis does, then
 * every ingress replica told). Only the signed-in user's organisation's keys are listed or revocable.
 */
export function apiKeyRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const prisma = deps.db.prisma;

  async function page(req: Request, res: Response, shown?: { key?: string; name?: string; error?: string }) {
    const { orgId } = currentUser(req);
    const { api_keys: keys } = await listApiKeys(prisma, orgId);
    const ctx = pageContext(req, "API keys", "api-keys");
    const body: Html = html`<h1>API keys</h1>
      <p class="hint">Keys for the REST API (<code>Authorization: Bearer sk_…</code>). Create one per application; to rotate without downtime, create the new key, deploy it, then revoke the old one.</p>
      ${
        shown?.key
          ? html`<div class="flash ok" role="status" id="new-api-key">
          <p><strong>API key “${shown.name ?? ""}” created.</strong> It is shown only once: copy it now.</p>
          ${copyable("api-key", "API key", shown.key)}</div>`
          : ""
      }
      ${
        keys.length === 0
          ? html`<div class="empty" id="no-api-keys">No API keys yet. Create one below.</div>`
          : html`<table id="api-keys"><thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
            <tbody>${keys.map(
              (k) => html`<tr><td>${k.name}</td><td><code>${k.display_prefix}…</code></td><td>${formatTime(new Date(k.created_at))}</td>
                <td>${k.last_used_at ? formatTime(new Date(k.last_used_at)) : "never"}</td>
                <td>${
                  k.revoked_at
                    ? html`<span class="badge failed">Revoked ${formatTime(new Date(k.revoked_at))}</span>`
                    : html`<form method="post" action="${API_KEYS}/${k.api_key_id}/revoke">${csrfField(ctx.csrfToken)}<button type="submit" class="danger" aria-label="Revoke ${k.name}">Revoke</button></form>`
                }</td></tr>`,
            )}</tbody></table>`
      }
      <section class="card" aria-labelledby="new-key-h">
        <h2 id="new-key-h">Create an API key</h2>
        ${shown?.error ? html`<p class="warning" role="alert" id="form-error">${shown.error}</p>` : ""}
        <form method="post" action="${API_KEYS}">${csrfField(ctx.csrfToken)}
          <div class="field"><label for="key-name">Name</label><input id="key-name" name="name" required maxlength="100" placeholder="CRM sync"></div>
          <div class="actions"><button type="submit">Create key</button></div>
        </form>
      </section>`;
    res.set("Cache-Control", "no-store").type("html").send(String(layout(ctx, body)));
  }

  router.get(API_KEYS, (req, res) => page(req, res));

  router.post(API_KEYS, async (req, res) => {
    const name = String((req.body as Record<string, unknown>)?.name ?? "").trim();
    if (name === "" || name.length > 100) return page(req, res.status(400), { error: "Give the key a name of 1 to 100 characters." });
    const created = await createApiKey(prisma, { orgId: currentUser(req).orgId, name });
    return page(req, res.status(201), { key: created.api_key, name });
  });

  router.post(`${API_KEYS}/:id/revoke`, async (req, res) => {
    const { orgId } = currentUser(req);
    const keyId = String(req.params.id);
    const { api_keys: keys } = await listApiKeys(prisma, orgId);
    // Another organisation's key answers like a missing one.
    if (!keys.some((k) => k.api_key_id === keyId)) {
      res.status(404);
      return page(req, res, { error: "No such API key." });
    }
    const { warning } = await deps.orgChanges.revoke(
      () => revokeApiKey(prisma, keyId),
      (r) => r.org_id,
    );
    if (warning) deps.logger.warn({ org_id: orgId, api_key_id: keyId }, "API key revoked; the ingress replicas were not told (Redis)");
    flash(req, "ok", "API key revoked: it is refused from the next request on.");
    res.redirect(303, API_KEYS);
  });

  return router;
}
