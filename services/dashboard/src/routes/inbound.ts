import {
  currentTokenPrefix,
  disableSigning,
  enableSigning,
  firstAgent,
  rotateSigning,
  rotateWebhookToken,
  showOrganization,
  signingGraceUntil,
} from "@inbound/db";
import { IngressUnreachableError } from "@inbound/queue";
import { SecretBox } from "@inbound/security";
import { type Request, type Response, Router } from "express";
import type { DashboardDeps } from "../deps";
import { type Html, html } from "../html";
import { currentUser, flash, pageContext } from "../session";
import { copyable, copyableBlock, csrfField, formatTime, layout } from "../views/layout";

const PAGE = "/integrations/inbound-webhooks";
const GRACE_CHOICES = [
  { minutes: 0, label: "None: the current secret stops at once" },
  { minutes: 15, label: "15 minutes" },
  { minutes: 60, label: "1 hour" },
  { minutes: 1440, label: "24 hours" },
  { minutes: 10080, label: "7 days" },
];

export function recipes(input: { url: string; agentId: string; secret?: string }): { curl: string; signed: string } {
  // Spaced like a person writes JSON, so a narrow page wraps the command between values, never inside one.
  const payload = `{"action": "call.create", "data": {"agent_id": ${JSON.stringify(input.agentId)}, "contact_number": "+14155552671"}}`;
  const curl = `curl -X POST '${input.url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${payload}'`;
  const signed = [
    `URL='${input.url}'`,
    `SECRET='${input.secret ?? "<your signing secret>"}'`,
    `PAYLOAD='${payload}'`,
    "TIMESTAMP=$(date +%s)",
    `SIGNATURE=$(printf '%s.%s' "$TIMESTAMP" "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')`,
    `curl -X POST "$URL" -H 'Content-Type: application/json' \\`,
    `  -H "X-Inbound-Timestamp: $TIMESTAMP" -H "X-Inbound-Signature: $SIGNATURE" \\`,
    `  -d "$PAYLOAD"`,
  ].join("\n");
  return { curl, signed };
}

/**
 * Integrations → Inbound Webhooks (SPEC §7). Token and signing changes call the same operations as the admin
 * CLI (packages/db/src/admin/organizations.ts) through the same notifier (@inbound/queue's
 * createOrgChangeNotifier): Redis first, commit, then every ingress replica drops its cached copy.
 * Secrets are only ever in the response to the POST that created them (Cache-Control: no-store).
 */
export function inboundRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const prisma = deps.db.prisma;
  const box = new SecretBox(deps.config.SECRETS_KEY);
  const hookUrl = (token: string) => `${deps.config.PUBLIC_BASE_URL.replace(/\/$/, "")}/v1/hooks/${token}`;

  async function page(req: Request, res: Response, shown?: { token?: string; secret?: string; warning?: string }): Promise<void> {
    const { orgId } = currentUser(req);
    const [org, prefix, agent, graceUntil] = await Promise.all([
      showOrganization(prisma, orgId),
      currentTokenPrefix(prisma, orgId),
      firstAgent(prisma, orgId),
      signingGraceUntil(prisma, orgId),
    ]);
    const ctx = pageContext(req, "Inbound Webhooks", "inbound");
    const masked = hookUrl(`${prefix ?? "whk_"}${"•".repeat(12)}`);
    const url = shown?.token ? hookUrl(shown.token) : hookUrl("<your token>");
    const agentId = agent?.id ?? "<agent_id>";
    const r = recipes({ url, agentId, secret: shown?.secret });
    const shownBlock: Html | string = shown?.token
      ? html`<div class="flash ok" role="status" id="new-token">
          <p><strong>New webhook URL.</strong> Copy it now: it is shown only once. The previous URL already answers 401.</p>
          ${copyable("new-url", "new webhook URL", hookUrl(shown.token))}
        </div>`
      : shown?.secret
        ? html`<div class="flash ok" role="status" id="new-secret">
            <p><strong>Signing secret.</strong> Copy it now: it is shown only once.</p>
            ${copyable("signing-secret", "signing secret", shown.secret)}
          </div>`
        : "";
    const body = html`<h1>Inbound Webhooks</h1>
      ${shown?.warning ? html`<p class="warning" role="alert">${shown.warning}</p>` : ""}
      ${shownBlock}
      <section class="card" aria-labelledby="url-h">
        <h2 id="url-h">Webhook URL</h2>
        <p class="hint">POST JSON here from your CRM or no-code tool. The token in it is secret; only its first characters are stored for display.</p>
        ${copyable("masked-url", "masked webhook URL", masked)}
        <div class="actions"><a class="button secondary" href="${PAGE}/regenerate">Regenerate token…</a></div>
      </section>
      <section class="card" aria-labelledby="sig-h">
        <h2 id="sig-h">Signature verification <span class="badge ${org.signature_verification ? "on" : "off"}" id="signing-state">${org.signature_verification ? "On" : "Off"}</span></h2>
        <p class="hint">When on, every request must carry <code>X-Inbound-Timestamp</code> and <code>X-Inbound-Signature</code> (hex HMAC-SHA256 of <code>{timestamp}.{raw body}</code> under the signing secret); unsigned requests answer 401.</p>
        ${graceUntil ? html`<p>The previous secret is still accepted until ${formatTime(graceUntil)}.</p>` : ""}
        ${
          org.signature_verification
            ? html`<form method="post" action="${PAGE}/signing/rotate" class="actions">${csrfField(ctx.csrfToken)}
                <div class="field"><label for="grace">Keep the current secret valid for</label>
                <select id="grace" name="grace_minutes">${GRACE_CHOICES.map((g) => html`<option value="${g.minutes}">${g.label}</option>`)}</select></div>
                <button type="submit" class="secondary">Rotate signing secret</button></form>
              <form method="post" action="${PAGE}/signing/disable" class="actions">${csrfField(ctx.csrfToken)}<button type="submit" class="danger">Turn signature verification off</button></form>`
            : html`<form method="post" action="${PAGE}/signing/enable" class="actions">${csrfField(ctx.csrfToken)}<button type="submit">Turn signature verification on</button></form>`
        }
      </section>
      <section class="card" aria-labelledby="try-h">
        <h2 id="try-h">Try it</h2>
        <p class="hint">Create a call with curl${shown?.token ? "" : " (put your token in the URL)"}:</p>
        ${copyableBlock("curl-recipe", "curl command", r.curl)}
        <p class="hint">A signed request with openssl${shown?.secret ? "" : " (put your signing secret and token in)"}:</p>
        ${copyableBlock("openssl-recipe", "signed request recipe", r.signed)}
      </section>`;
    res.set("Cache-Control", "no-store").type("html").send(String(layout(ctx, body)));
  }

  /** Applies a change through the notifier; Redis unreachable: nothing changed, and the page says so. */
  async function change<T>(req: Request, res: Response, run: (orgId: string) => Promise<T>, show: (result: T) => { token?: string; secret?: string }, okText?: string) {
    const { orgId } = currentUser(req);
    try {
      const applied = await deps.orgChanges.apply(orgId, () => run(orgId));
      if (okText) flash(req, "ok", okText);
      const shown = show(applied.result);
      if (shown.token || shown.secret || applied.warning) return page(req, res, { ...shown, warning: applied.warning });
      res.redirect(303, PAGE);
    } catch (error) {
      if (!(error instanceof IngressUnreachableError)) throw error;
      flash(req, "error", "Nothing was changed: the service that must learn of this change is unreachable. Try again in a minute.");
      res.redirect(303, PAGE);
    }
  }

  router.get(PAGE, (req, res) => page(req, res));

  router.get(`${PAGE}/regenerate`, async (req, res) => {
    const ctx = pageContext(req, "Regenerate token", "inbound");
    const body = html`<h1>Regenerate the webhook token?</h1>
      <p class="warning" role="note"><strong>The current URL stops working at once.</strong> Every tool that posts to it gets 401 until you paste the new URL into it. The new URL is shown once.</p>
      <form method="post" action="${PAGE}/regenerate" class="actions">${csrfField(ctx.csrfToken)}
        <button type="submit" class="danger">Regenerate token</button><a href="${PAGE}">Cancel</a></form>`;
    res.type("html").send(String(layout(ctx, body)));
  });

  router.post(`${PAGE}/regenerate`, (req, res) =>
    change(req, res, (orgId) => rotateWebhookToken(prisma, orgId), (r) => ({ token: r.webhook_token })),
  );
  router.post(`${PAGE}/signing/enable`, (req, res) =>
    change(req, res, (orgId) => enableSigning(prisma, box, orgId), (r) => ({ secret: r.signing_secret })),
  );
  router.post(`${PAGE}/signing/rotate`, (req, res) => {
    const grace = Number(req.body?.grace_minutes ?? 0);
    const graceMinutes = GRACE_CHOICES.some((g) => g.minutes === grace) ? grace : 0;
    return change(req, res, (orgId) => rotateSigning(prisma, box, { orgId, graceMinutes }), (r) => ({ secret: r.signing_secret }));
  });
  router.post(`${PAGE}/signing/disable`, (req, res) =>
    change(req, res, (orgId) => disableSigning(prisma, orgId), () => ({}), "Signature verification is off: requests are accepted without a signature."),
  );
  return router;
}
