import type { NextFunction, Request, Response } from "express";
import type { PageContext } from "./views/layout";

declare module "express-session" {
  interface SessionData {
    userId?: string;
    orgId?: string;
    email?: string;
    orgName?: string;
    flash?: PageContext["flash"];
  }
}

export interface SignedIn {
  userId: string;
  orgId: string;
  email: string;
  orgName: string;
}

/** The signed-in user; every page below it reads and changes only user.orgId's data. */
export function currentUser(req: Request): SignedIn {
  const s = req.session;
  if (!s.userId || !s.orgId || !s.email) throw new Error("currentUser outside requireUser");
  return { userId: s.userId, orgId: s.orgId, email: s.email, orgName: s.orgName ?? "" };
}

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.session?.userId && req.session.orgId) return next();
  if (req.method === "GET") {
    res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  res.status(401).type("text/plain").send("Sign in first.");
}

/** A message shown once on the next page (after a redirect). */
export function flash(req: Request, kind: "ok" | "error", text: string): void {
  req.session.flash = { kind, text };
}

export function takeFlash(req: Request): PageContext["flash"] {
  const f = req.session.flash;
  if (f) delete req.session.flash;
  return f;
}

/** The base PageContext of a signed-in page. */
export function pageContext(req: Request, title: string, section?: PageContext["section"]): PageContext {
  const user = currentUser(req);
  return {
    title,
    section,
    user: { email: user.email, orgName: user.orgName },
    csrfToken: req.csrfToken?.(),
    flash: takeFlash(req),
  };
}
