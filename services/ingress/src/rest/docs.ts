import { readFileSync } from "node:fs";
import path from "node:path";
import type { Express, Request, Response } from "express";
import { methodNotAllowed } from "../http/errors";

/** The Swagger UI files served, from the swagger-ui-dist package (no CDN: the page works offline). */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Inbound calls API reference</title>
  <link rel="stylesheet" href="/v1/docs/swagger-ui.css">
  <style>body { margin: 0 } .swagger-ui .topbar { display: none }</style>
</head>
<body>
  <main id="reference"></main>
  <script src="/v1/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: "/v1/openapi.json", dom_id: "#reference", deepLinking: true, tryItOutEnabled: false });
  </script>
</body>
</html>
`;

/**
 * GET /v1/docs: the OpenAPI document rendered by Swagger UI (swagger-ui-dist, served from this process).
 * The files are read once, at start; a missing package only turns the page off.
 */
export function mountApiReference(app: Express): void {
  let dir: string;
  try {
    dir = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  } catch {
    return;
  }
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) files.set(name, readFileSync(path.join(dir, name)));
  app.get("/v1/docs", (_req: Request, res: Response) => {
    res.type("text/html; charset=utf-8").send(PAGE);
  });
  app.get("/v1/docs/:file", (req: Request, res: Response, next) => {
    const name = String(req.params.file);
    const body = files.get(name);
    if (!body) return next();
    res.setHeader("Content-Type", ASSETS[name] as string);
    res.setHeader("Cache-Control", "public, max-age=86400");
    res.send(body);
  });
  app.all("/v1/docs", methodNotAllowed("GET, HEAD"));
}
