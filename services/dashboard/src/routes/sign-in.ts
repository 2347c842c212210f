import { findDashboardUser, findSetupToken, recordSignIn, setPasswordWithToken, showOrganization } from "@inbound/db";
import { hashPassword, verifyPassword } from "@inbound/security";
import { type Request, type Response, Router } from "express";
import { createThrottle } from "../auth";
import type { DashboardDeps } from "../deps";
import { html } from "../html";
import { takeFlash } from "../session";
import { csrfField, layout, type PageContext } from "../views/layout";

/** A timing equaliser: a hash to verify against when the email is unknown, so both paths cost one argon2 verify. */
let dummyHash: Promise<string> | undefined;

function safeNext(next: unknown): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/calls";
}

function signInPage(req: Request, message?: string, email = "", notice?: PageContext["flash"]) {
  const next = safeNext(req.query.next ?? req.body?.next);
  return layout(
    { title: "Sign in", flash: message ? { kind: "error", text: message } : notice },
    html`<div class="signin"><section class="card">
      <h1>Sign in</h1>
      <form method="post" action="/sign-in">
        ${csrfField(req.csrfToken?.())}
        <input type="hidden" name="next" value="${next}">
        <div class="field"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${email}"></div>
        <div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
        <button type="submit">Sign in</button>
      </form>
    </section></div>`,
  );
}

export function signInRoutes(deps: DashboardDeps): Router {
  const router = Router();
  const throttle = createThrottle(deps.redis, deps.config.REDIS_PREFIX, deps.config.SIGNIN_MAX_FAILURES, deps.config.SIGNIN_LOCK_SECONDS);
  const prisma = deps.db.prisma;

  router.get("/sign-in", (req, res) => {
    if (req.session.userId) return res.redirect(303, "/calls");
    res.type("html").send(String(signInPage(req, undefined, "", takeFlash(req))));
  });

  router.post("/sign-in", async (req: Request, res: Response) => {
    const email = String(req.body?.email ?? "").trim();
    const password = String(req.body?.password ?? "");
    const ip = req.ip ?? "unknown";
    const wait = await throttle.lockedFor(email, ip);
    if (wait > 0) {
      res
        .status(429)
        .set("Retry-After", String(wait))
        .type("html")
        .send(String(signInPage(req, `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minutes.`, email)));
      return;
    }
    const user = email ? await findDashboardUser(prisma, email) : null;
    dummyHash ??= hashPassword("not a password of anyone");
    const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyPassword(await dummyHash, `${password}!`) && false;
    if (!user || !ok) {
      await throttle.failed(email, ip);
      res.status(401).type("html").send(String(signInPage(req, "That email and password do not match.", email)));
      return;
    }
    await throttle.succeeded(email);
    const org = await showOrganization(prisma, user.orgId);
    const next = safeNext(req.body?.next);
    // A new session id at sign-in (no fixation), then a new CSRF token for it.
    await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
    Object.assign(req.session, { userId: user.id, orgId: user.orgId, email: user.email, orgName: org.name });
    await recordSignIn(prisma, user.id);
    res.redirect(303, next);
  });

  router.post("/sign-out", (req, res) => {
    req.session.destroy(() => {
      res.clearCookie("dashboard.sid");
      res.redirect(303, "/sign-in");
    });
  });

  const setPasswordPage = (req: Request, token: string, email: string, message?: string) =>
    layout(
      { title: "Set your password", flash: message ? { kind: "error", text: message } : undefined },
      html`<div class="signin"><section class="card">
        <h1>Set your password</h1>
        <p class="hint">For ${email}. At least 12 characters.</p>
        <form method="post" action="/set-password">
          ${csrfField(req.csrfToken?.())}
          <input type="hidden" name="token" value="${token}">
          <div class="field"><label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required></div>
          <button type="submit">Set password</button>
        </form>
      </section></div>`,
    );

  const linkUsed = () =>
    layout(
      { title: "Link expired", flash: { kind: "error", text: "This set-password link was already used or has expired. Ask your administrator for a new one." } },
      html`<p><a href="/sign-in">Sign in</a></p>`,
    );

  router.get("/set-password", async (req, res) => {
    const token = String(req.query.token ?? "");
    const user = token ? await findSetupToken(prisma, token) : null;
    res.set("Cache-Control", "no-store").set("Referrer-Policy", "no-referrer");
    if (!user) return res.status(410).type("html").send(String(linkUsed()));
    res.type("html").send(String(setPasswordPage(req, token, user.email)));
  });

  router.post("/set-password", async (req, res) => {
    const token = String(req.body?.token ?? "");
    const password = String(req.body?.password ?? "");
    const user = token ? await findSetupToken(prisma, token) : null;
    if (!user) return res.status(410).type("html").send(String(linkUsed()));
    if (password.length < 12) {
      return res.status(400).type("html").send(String(setPasswordPage(req, token, user.email, "Use at least 12 characters.")));
    }
    const done = await setPasswordWithToken(prisma, token, await hashPassword(password));
    if (!done) return res.status(410).type("html").send(String(linkUsed()));
    req.session.flash = { kind: "ok", text: "Password set. Sign in with it." };
    res.redirect(303, "/sign-in");
  });

  return router;
}
