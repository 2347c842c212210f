import { ApiError } from "@inbound/contracts";
import { MAX_ATTEMPTS_LIMIT, type PolicyInput, REDIAL_OUTCOMES, setOrgPolicy, showOrgPolicy } from "@inbound/orders";
import { type Request, type Response, Router } from "express";
import type { DashboardDeps } from "../deps";
import { Html, html } from "../html";
import { ordersDeps } from "../orders-deps";
import { currentUser, flash, pageContext } from "../session";
import { csrfField, formatTime, layout } from "../views/layout";

export const CALL_POLICY = "/settings/call-policy";

/** The form's fields, as typed (strings), so a refused form comes back exactly as the user left it. */
interface PolicyForm {
  start: string;
  end: string;
  guard: boolean;
  max: string;
  dedupe: string;
  retryOn: string[];
  retryMax: string;
  retryBackoff: string;
}

/** Form field → the message shown next to it. Keys are the form's field names. */
type FieldErrors = Partial<
  Record<
    | "calling_hours"
    | "calling_hours_guard"
    | "max_concurrent_calls"
    | "dedupe_window_minutes"
    | "retry_on"
    | "retry_max_attempts"
    | "retry_backoff_minutes",
    string
  >
>;

/** The use case's error field (REST's spelling) → the form field it is shown next to. */
const FIELD_OF: Record<string, keyof FieldErrors> = {
  calling_hours: "calling_hours",
  calling_hours_guard: "calling_hours_guard",
  max_concurrent_calls: "max_concurrent_calls",
  dedupe_window_minutes: "dedupe_window_minutes",
  "default_retry.on": "retry_on",
  "default_retry.max_attempts": "retry_max_attempts",
  "default_retry.backoff_minutes": "retry_backoff_minutes",
};

function formOf(policy: Record<string, unknown>): PolicyForm {
  const hours = policy.calling_hours as { start: string; end: string };
  const retry = policy.default_retry as { on: string[]; max_attempts: number; backoff_minutes: number[] } | null;
  return {
    start: hours.start,
    end: hours.end,
    guard: policy.calling_hours_guard === true,
    max: String(policy.max_concurrent_calls),
    dedupe: String(policy.dedupe_window_minutes),
    retryOn: retry?.on ?? [],
    retryMax: String(retry?.max_attempts ?? 3),
    retryBackoff: (retry?.backoff_minutes ?? []).join(", "),
  };
}

function formFromBody(body: Record<string, unknown>): PolicyForm {
  const text = (name: string) => (typeof body[name] === "string" ? (body[name] as string).trim().slice(0, 200) : "");
  const on = body.retry_on;
  return {
    start: text("calling_hours_start"),
    end: text("calling_hours_end"),
    guard: body.calling_hours_guard === "on",
    max: text("max_concurrent_calls"),
    dedupe: text("dedupe_window_minutes"),
    retryOn: (Array.isArray(on) ? on : on === undefined ? [] : [on]).map(String).slice(0, 10),
    retryMax: text("retry_max_attempts"),
    retryBackoff: text("retry_backoff_minutes"),
  };
}

const WHOLE = /^\d{1,9}$/;

/**
 * The form as the use case's PolicyInput, or what keeps it from being one (a number field that is not a whole
 * number). Ranges and every other rule are the use case's (the CLI's and REST's): not repeated here.
 */
function toInput(form: PolicyForm): { input: PolicyInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const whole = (value: string, field: keyof FieldErrors): number | undefined => {
    if (WHOLE.test(value)) return Number(value);
    errors[field] = "Enter a whole number.";
    return undefined;
  };
  const input: PolicyInput = {
    calling_hours: { start: form.start, end: form.end },
    calling_hours_guard: form.guard,
  };
  const max = whole(form.max, "max_concurrent_calls");
  if (max !== undefined) input.max_concurrent_calls = max;
  const dedupe = whole(form.dedupe, "dedupe_window_minutes");
  if (dedupe !== undefined) input.dedupe_window_minutes = dedupe;
  if (form.retryOn.length === 0) input.default_retry = null;
  else {
    const maxAttempts = whole(form.retryMax, "retry_max_attempts");
    const parts = form.retryBackoff === "" ? [] : form.retryBackoff.split(/[\s,]+/).filter(Boolean);
    if (parts.some((p) => !WHOLE.test(p))) errors.retry_backoff_minutes = "Enter whole minutes separated by commas, e.g. 10, 60.";
    input.default_retry = { on: form.retryOn, max_attempts: maxAttempts ?? 0, backoff_minutes: parts.map(Number) };
  }
  return { input, errors };
}

/** A field's error attributes and message (the message is linked to its input by aria-describedby). */
function fieldError(errors: FieldErrors, field: keyof FieldErrors): { attrs: Html; message: Html } {
  const text = errors[field];
  if (!text) return { attrs: new Html(""), message: new Html("") };
  return {
    attrs: new Html(` aria-invalid="true" aria-describedby="${field}-error"`),
    message: html`<p class="field-error" id="${field}-error">${text}</p>`,
  };
}

function policyPage(form: PolicyForm, policy: Record<string, unknown>, errors: FieldErrors, csrfToken: string | undefined): Html {
  const hours = fieldError(errors, "calling_hours");
  const guard = fieldError(errors, "calling_hours_guard");
  const max = fieldError(errors, "max_concurrent_calls");
  const dedupe = fieldError(errors, "dedupe_window_minutes");
  const on = fieldError(errors, "retry_on");
  const retryMax = fieldError(errors, "retry_max_attempts");
  const backoff = fieldError(errors, "retry_backoff_minutes");
  const checked = (yes: boolean) => (yes ? new Html(" checked") : "");
  const changedAt = policy.calling_hours_guard_changed_at as string | null;
  return html`<h1>Call policy</h1>
    <p class="hint">How and when your organisation's calls are placed. Every new call is planned with these settings; a call's own <code>not_before</code>, <code>not_after</code>, <code>calling_hours</code> and <code>retry</code> may narrow them. The same settings as <code>PATCH /v1/call-policy</code> and <code>pnpm admin org policy set</code>.</p>
    ${Object.keys(errors).length > 0 ? html`<div class="flash error" role="alert" id="form-error">The policy was not saved: correct the field marked below.</div>` : ""}
    <form method="post" action="${CALL_POLICY}" novalidate>${csrfField(csrfToken)}
      <section class="card" aria-labelledby="hours-h">
        <h2 id="hours-h">Calling hours</h2>
        <p class="hint">Applied in the recipient's local time (from the number's country and area code; a number that spans several time zones is called only when the window holds in all of them). A call due outside them waits for the next opening.</p>
        <fieldset class="plain"><legend class="sr-only">Calling hours</legend>
          <div class="row">
            <div class="field"><label for="calling_hours_start">From (local time)</label><input id="calling_hours_start" name="calling_hours_start" type="text" inputmode="numeric" placeholder="08:00" value="${form.start}" class="short"${hours.attrs}></div>
            <div class="field"><label for="calling_hours_end">Until (local time)</label><input id="calling_hours_end" name="calling_hours_end" type="text" inputmode="numeric" placeholder="21:00" value="${form.end}" class="short"${hours.attrs}></div>
          </div>
          ${hours.message}
        </fieldset>
        <div class="field"><label class="check" for="calling_hours_guard"><input id="calling_hours_guard" name="calling_hours_guard" type="checkbox" value="on"${checked(form.guard)}${guard.attrs}> Apply calling hours (the guard)</label>
          ${guard.message}
          <p class="hint" id="guard-hint">${policy.calling_hours_guard ? "On" : "Off: calls are placed at any hour unless a call asks for its own hours"}${changedAt ? ` · last turned ${policy.calling_hours_guard ? "on" : "off"} ${formatTime(new Date(changedAt))}` : ""}.</p></div>
      </section>
      <section class="card" aria-labelledby="limits-h">
        <h2 id="limits-h">Limits</h2>
        <div class="field"><label for="max_concurrent_calls">Concurrent calls at most</label><input id="max_concurrent_calls" name="max_concurrent_calls" type="text" inputmode="numeric" value="${form.max}" class="short"${max.attrs}>
          ${max.message}<p class="hint">Calls beyond it wait in order, never fail. In use now: <span data-testid="calls-in-use">${String(policy.concurrent_calls_in_use ?? 0)}</span>.</p></div>
        <div class="field"><label for="dedupe_window_minutes">Same-recipient window (minutes)</label><input id="dedupe_window_minutes" name="dedupe_window_minutes" type="text" inputmode="numeric" value="${form.dedupe}" class="short"${dedupe.attrs}>
          ${dedupe.message}<p class="hint">A second call to a number with a pending or recent call within this window is refused (409 duplicate_recipient). 0 = off.</p></div>
      </section>
      <section class="card" aria-labelledby="retry-h">
        <h2 id="retry-h">Default redial</h2>
        <p class="hint">For calls created without their own <code>retry</code>. Tick no outcome to never redial.</p>
        <fieldset class="events"${errors.retry_on ? new Html(' aria-describedby="retry_on-error"') : ""}><legend>Redial after</legend>
          ${REDIAL_OUTCOMES.map((o) => html`<label class="check"><input type="checkbox" name="retry_on" value="${o}"${checked(form.retryOn.includes(o))}> ${o.replace("_", " ")}</label>`)}
        </fieldset>
        ${on.message}
        <div class="row">
          <div class="field"><label for="retry_max_attempts">Attempts in all (1–${MAX_ATTEMPTS_LIMIT})</label><input id="retry_max_attempts" name="retry_max_attempts" type="text" inputmode="numeric" value="${form.retryMax}" class="short"${retryMax.attrs}>${retryMax.message}</div>
          <div class="field"><label for="retry_backoff_minutes">Minutes before each redial</label><input id="retry_backoff_minutes" name="retry_backoff_minutes" type="text" placeholder="10, 60" value="${form.retryBackoff}"${backoff.attrs}>${backoff.message}</div>
        </div>
      </section>
      <div class="actions"><button type="submit">Save call policy</button></div>
    </form>`;
}

/**
 * Settings → Call policy (SPEC §9): the organisation's calling hours and guard, concurrency cap, dedupe window and
 * default redial, read and changed through @inbound/orders' showOrgPolicy/setOrgPolicy (the CLI's and REST's
 * own). A refused change shows the use case's message next to its field and changes nothing. Only the
 * signed-in user's organisation.
 */
export function callPolicyRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const orders = ordersDeps(deps);

  async function render(req: Request, res: Response, form?: PolicyForm, errors: FieldErrors = {}) {
    const policy = await showOrgPolicy(orders, currentUser(req).orgId);
    const ctx = pageContext(req, "Call policy", "call-policy");
    res
      .set("Cache-Control", "no-store")
      .type("html")
      .send(String(layout(ctx, policyPage(form ?? formOf(policy), policy, errors, ctx.csrfToken))));
  }

  router.get(CALL_POLICY, (req, res) => render(req, res));

  router.post(CALL_POLICY, async (req, res) => {
    const form = formFromBody((req.body ?? {}) as Record<string, unknown>);
    const { input, errors } = toInput(form);
    if (Object.keys(errors).length > 0) return render(req, res.status(400), form, errors);
    try {
      await setOrgPolicy(orders, currentUser(req).orgId, input);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "invalid_policy") throw error;
      const field = FIELD_OF[error.field ?? ""] ?? "calling_hours";
      return render(req, res.status(400), form, { [field]: error.message });
    }
    flash(req, "ok", "Call policy saved. New calls are planned with it from now on.");
    res.redirect(303, CALL_POLICY);
  });

  return router;
}
