import { buildOpenApiDocument } from "@inbound/contracts";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import type { Express } from "express";
import { startIngress, type TestIngress } from "../test-support/harness";

/**
 * The OpenAPI document cannot drift from the router: every method and path the ingress mounts under /v1
 * (the REST API, the webhook, the document itself) is described in it, and it describes nothing that is not
 * mounted. Read from the real app's router, so a route added without its documentation fails here.
 */
let suite: SuiteEnv;
let ingress: TestIngress;

beforeAll(async () => {
  suite = await createSuiteEnv();
  ingress = await startIngress(suite);
});
afterAll(async () => {
  await ingress?.close();
  await suite?.close();
});

/** The Swagger UI pages and assets (HTML, JS, CSS): not API operations. */
const NOT_OPERATIONS = /^\/v1\/docs(\/|$)/;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** "METHOD /template" of every route of the app's router with an explicit method (app.all 405 handlers excluded). */
function mountedOperations(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const operations = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    const methods = Object.keys(layer.route.methods).filter((m) => layer.route?.methods[m]);
    if (methods.length > 3 || methods.includes("_all")) continue; // app.all: the 405 answer for other methods
    for (const path of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) {
      if (typeof path !== "string" || !path.startsWith("/v1/") || NOT_OPERATIONS.test(path)) continue;
      const template = path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      for (const method of methods) if (method !== "head") operations.add(`${method.toUpperCase()} ${template}`);
    }
  }
  return [...operations].sort();
}

function documentedOperations(): string[] {
  const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
  const methods = new Set(["get", "post", "put", "patch", "delete"]);
  return Object.entries(document.paths)
    .flatMap(([template, item]) =>
      Object.keys(item)
        .filter((k) => methods.has(k))
        .map((m) => `${m.toUpperCase()} ${template}`),
    )
    .sort();
}

test("every route the REST router mounts is in /v1/openapi.json, and the document lists no route that is not mounted", () => {
  const mounted = mountedOperations(ingress.app);
  // The router really was read (calls, the webhook, the status-webhook endpoints, the resend).
  expect(mounted).toEqual(
    expect.arrayContaining([
      "POST /v1/calls",
      "POST /v1/hooks/{token}",
      "POST /v1/webhook-endpoints",
      "PATCH /v1/webhook-endpoints/{endpoint_id}",
      "GET /v1/webhook-endpoints/{endpoint_id}/attempts",
      "POST /v1/webhook-endpoints/{endpoint_id}/recover",
      "POST /v1/webhook-messages/{message_id}/resend",
    ]),
  );
  expect(mounted).toEqual(documentedOperations());
});
