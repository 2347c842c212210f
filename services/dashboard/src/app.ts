import path from "node:path";
import { ApiError } from "@inbound/contracts";
import { RedisStore } from "connect-redis";
import { csrfSync } from "csrf-sync";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import session from "express-session";
import { sessionSecret } from "./auth";
import type { DashboardDeps } from "./deps";
import { html } from "./html";
import { callPolicyRoutes } from "./routes/call-policy";
import { callRoutes } from "./routes/calls";
import { inboundRoutes } from "./routes/inbound";
import { optOutRoutes } from "./routes/opt-outs";
import { pageRoutes } from "./routes/pages";
import { signInRoutes } from "./routes/sign-in";
import { apiKeyRoutes } from "./routes/api-keys";
import { statusWebhookRoutes } from "./routes/status-webhooks";
import { requireUser } from "./session";
import { layout } from "./views/layout";

export const SESSION_COOKIE = "dashboard.sid";

/** Files served under /assets/vendor, resolved from node_modules (bundled from npm, no CDN). */
const VENDOR: Record<string, string> = {
  "htmx.min.js": require.resolve("htmx.org/dist/htmx.min.js"),
  "chart.umd.min.js": path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"),
};

/**
 * The customer dashboard (SPEC §7): server-rendered pages, sessions in Redis (express-session + connect-redis),
 * a synchroniser CSRF token on every state change, and every page scoped to the signed-in user's organisation.
 */
export function createDashboardApp(deps: DashboardDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.DASHBOARD_TRUST_PROXY);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.use((_req, res, next) => {
    res.set({
      "Content-Security-Policy":
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
    });
    next();
  });

  const assets = path.join(__dirname, "assets");
  app.use("/assets", express.static(assets, { maxAge: "1h", index: false }));
  app.get("/assets/vendor/:file", (req, res) => {
    const file = VENDOR[String(req.params.file)];
    if (!file) return res.status(404).end();
    res.set("Cache-Control", "public, max-age=86400").sendFile(file, { dotfiles: "allow" });
  });

  app.use(express.urlencoded({ extended: false, limit: "16kb" }));
  app.use(
    session({
      name: SESSION_COOKIE,
      store: new RedisStore({ client: deps.redis, prefix: `${config.REDIS_PREFIX}:dashboard-session:` }),
      secret: sessionSecret(config.SECRETS_KEY),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: {
        httpOnly: true,
        sameSite: "lax",
        secure: config.DASHBOARD_COOKIE_SECURE,
        maxAge: config.DASHBOARD_SESSION_HOURS * 3_600_000,
      },
    }),
  );
  const { csrfSynchronisedProtection } = csrfSync({
    // Forms post _csrf; htmx requests send the header.
    getTokenFromRequest: (req) => (req.body?._csrf as string | undefined) ?? (req.headers["x-csrf-token"] as string | undefined),
  });
  app.use(csrfSynchronisedProtection);

  app.use(signInRoutes(deps));
  app.get("/", (req, res) => res.redirect(303, req.session.userId ? "/calls" : "/sign-in"));
  app.use(requireUser);
  app.use(callRoutes(deps));
  app.use(inboundRoutes(deps));
  app.use(statusWebhookRoutes(deps));
  app.use(apiKeyRoutes(deps));
  app.use(callPolicyRoutes(deps));
  app.use(optOutRoutes(deps));
  app.use(pageRoutes(deps));

  app.use((req, res) => {
    res.status(404).type("html").send(String(layout({ title: "Not found" }, html`<h1>Not found</h1><p><a href="/calls">Calls</a></p>`)));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = error as { code?: string; status?: number };
    if (e.code === "EBADCSRFTOKEN" || (e.status === 403 && /csrf/i.test(String((error as Error).message)))) {
      res
        .status(403)
        .type("html")
        .send(String(layout({ title: "Form expired" }, html`<h1>This form has expired</h1><p>Nothing was changed. Go back, reload the page and try again.</p>`)));
      return;
    }
    if (error instanceof ApiError) {
      res.status(error.status).type("text/plain").send(error.message);
      return;
    }
    deps.logger.error({ err: error, path: req.path }, "dashboard request failed");
    res.status(503).type("html").send(String(layout({ title: "Unavailable" }, html`<h1>Something went wrong</h1><p>Nothing was changed. Try again in a moment.</p>`)));
  });
  return app;
}
