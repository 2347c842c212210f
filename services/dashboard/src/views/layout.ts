import { Html, html } from "../html";

export interface PageContext {
  title: string;
  /** The nav entry to mark as current. */
  section?: "calls" | "inbound" | "api-keys" | "status-webhooks" | "call-policy" | "do-not-call" | "request-log" | "usage";
  user?: { email: string; orgName: string };
  csrfToken?: string;
  flash?: { kind: "ok" | "error"; text: string };
}

interface NavEntry {
  section: NonNullable<PageContext["section"]>;
  href: string;
  label: string;
}

/** The nav in order: a link, or a labelled group of links. */
const NAV: (NavEntry | { group: string; entries: NavEntry[] })[] = [
  { section: "calls", href: "/calls", label: "Calls" },
  {
    group: "Integrations",
    entries: [
      { section: "inbound", href: "/integrations/inbound-webhooks", label: "Inbound Webhooks" },
      { section: "api-keys", href: "/integrations/api-keys", label: "API keys" },
      { section: "status-webhooks", href: "/integrations/status-webhooks", label: "Status webhooks" },
    ],
  },
  {
    group: "Call orders",
    entries: [
      { section: "call-policy", href: "/settings/call-policy", label: "Call policy" },
      { section: "do-not-call", href: "/settings/do-not-call", label: "Do-not-call list" },
    ],
  },
  { section: "request-log", href: "/request-log", label: "Request log" },
  { section: "usage", href: "/usage", label: "Usage" },
];

function nav(ctx: PageContext): Html {
  const link = (n: NavEntry) =>
    html`<li><a href="${n.href}"${n.section === ctx.section ? new Html(' aria-current="page"') : ""}>${n.label}</a></li>`;
  return html`<nav aria-label="Main">
    <ul>
      ${NAV.map((n) =>
        "group" in n
          ? html`<li class="group"><span class="group-label">${n.group}</span>
        <ul>${n.entries.map(link)}</ul>
      </li>`
          : link(n),
      )}
    </ul>
  </nav>`;
}

/** Every page: skip link, header with the organisation and sign-out, nav, main, and the local scripts (no CDN). */
export function layout(ctx: PageContext, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>
<title>${ctx.title} · Inbound Calls</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/vendor/htmx.min.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">Inbound Calls</span>
  ${
    ctx.user
      ? html`<span class="who">${ctx.user.orgName} · ${ctx.user.email}</span>
  <form method="post" action="/sign-out" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrfToken ?? ""}"><button type="submit" class="link">Sign out</button></form>`
      : ""
  }
</header>
<div class="shell">
  ${ctx.user ? nav(ctx) : ""}
  <main id="main" tabindex="-1">
    ${ctx.flash ? html`<div class="flash ${ctx.flash.kind}" role="${ctx.flash.kind === "error" ? "alert" : "status"}">${ctx.flash.text}</div>` : ""}
    ${body}
  </main>
</div>
</body>
</html>`;
}

export function csrfField(token: string | undefined): Html {
  return html`<input type="hidden" name="_csrf" value="${token ?? ""}">`;
}

/** A value with a copy button (app.js copies the text of the element named by data-copy). */
export function copyable(id: string, label: string, value: string): Html {
  return html`<div class="copyable"><code id="${id}">${value}</code><button type="button" class="secondary" data-copy="${id}" aria-label="Copy ${label}">Copy</button></div>`;
}

export function copyableBlock(id: string, label: string, value: string): Html {
  return html`<div class="copyable block"><pre><code id="${id}">${value}</code></pre><button type="button" class="secondary" data-copy="${id}" aria-label="Copy ${label}">Copy</button></div>`;
}

export function formatTime(date: Date | number | null | undefined): string {
  if (date === null || date === undefined) return "—";
  return new Date(date).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}
