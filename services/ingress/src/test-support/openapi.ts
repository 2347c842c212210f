import { buildOpenApiDocument } from "@inbound/contracts";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";

/**
 * Checks responses against the OpenAPI document the ingress serves: the status must be documented for the
 * operation, and the body must match that response's schema (JSON Schema 2020-12, with the document's
 * components). The REST test helpers run every response through it.
 */
const DOCUMENT_ID = "https://inbound.invalid/openapi.json";
const document = buildOpenApiDocument() as {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: { responses: Record<string, unknown> };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// `phone` is an annotation for readers (the request validator checks it); any string passes here.
ajv.addFormat("phone", true);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+").replace(/\./g, "\\.")}$`),
}));

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export const checkedResponses = { count: 0 };

/** Throws unless the response is one the document describes for this method and path. */
export function expectDocumentedResponse(method: string, path: string, status: number, body: unknown): void {
  const bare = path.split("?")[0] as string;
  const match = templates.find((t) => t.pattern.test(bare));
  if (!match) throw new Error(`OpenAPI: no path template matches ${bare}`);
  const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
  const operation = document.paths[match.template]?.[verb];
  if (!operation?.responses) throw new Error(`OpenAPI: ${method} ${match.template} is not documented`);
  let response = operation.responses[String(status)] as { $ref?: string } | undefined;
  if (!response) throw new Error(`OpenAPI: ${method} ${match.template} does not document status ${status}`);
  let ref = `${DOCUMENT_ID}#/${pointer("paths", match.template, verb, "responses", String(status))}`;
  if (response.$ref) {
    ref = `${DOCUMENT_ID}${response.$ref}`;
    response = document.components.responses[response.$ref.split("/").pop() as string] as typeof response;
  }
  if (method.toLowerCase() === "head") return;
  const validate = ajv.getSchema(`${ref}/content/application~1json/schema`);
  if (!validate) throw new Error(`OpenAPI: no JSON schema for ${method} ${match.template} ${status}`);
  if (!validate(body)) {
    throw new Error(
      `OpenAPI: ${method} ${path} ${status} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  }
  checkedResponses.count += 1;
}
