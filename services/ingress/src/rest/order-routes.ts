import { ApiError } from "@inbound/contracts";
import {
  addOptOutUseCase,
  type Clock,
  listOptOutsUseCase,
  OPT_OUT_LIST_LIMIT_MAX,
  type OrdersDeps,
  type PolicyCache,
  type PolicyInput,
  removeOptOutUseCase,
  setOrgPolicy,
  showOrgPolicy,
} from "@inbound/orders";
import type { Express, Request, RequestHandler, Response } from "express";
import type { IngressDeps } from "../deps";
import { requestContext } from "../http/context";
import { methodNotAllowed } from "../http/errors";
import { parseJson } from "../pipeline/parse-body";
import { rawBodyOf, readRawBody, requireJson } from "../pipeline/read-body";

export const ORDER_ROUTES = {
  optOuts: "/v1/opt-outs",
  optOut: "/v1/opt-outs/:number",
  policy: "/v1/call-policy",
} as const;

type Body = Record<string, unknown>;

/** A JSON object with only `allowed` fields (400 unknown_field naming the first other one). */
function objectBody(req: Request, allowed: readonly string[]): Body {
  const raw = rawBodyOf(req);
  const value = raw.length === 0 ? {} : parseJson(raw, "{…}");
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ApiError("invalid_body", "The body must be a JSON object.");
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) throw new ApiError("unknown_field", `${name.slice(0, 64)} is not a known field.`, name.slice(0, 64));
  }
  return value as Body;
}

function typed(body: Body, name: string, check: (v: unknown) => boolean, what: string): void {
  if (body[name] !== undefined && !check(body[name])) throw new ApiError("invalid_type", `${name} must be ${what}.`, name);
}

const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Call orders over REST (SPEC §9), with the API key's organisation, through @inbound/orders' use cases (the
 * admin CLI's and the dashboard's own):
 * - `/v1/opt-outs`: GET a page of the do-not-call list, POST {"number"} to add one (cancels the number's
 *   pending calls in the same statement), `DELETE /v1/opt-outs/{number}` to remove one;
 * - `/v1/call-policy`: GET the policy, PATCH some of its fields.
 */
export function mountOrderRoutes(
  app: Express,
  deps: IngressDeps & { clock: () => number },
  authenticate: (action: string) => RequestHandler,
  policies: PolicyCache,
): void {
  const clock: Clock = { now: () => new Date(deps.clock()) };
  const orders: OrdersDeps = { sql: deps.db.pool, clock };
  const limit = deps.config.BODY_LIMIT_BYTES;
  const orgOf = (res: Response) => requestContext(res).orgId as string;

  app.get(ORDER_ROUTES.optOuts, authenticate("optout.list"), async (req, res) => {
    const query = req.query as Record<string, unknown>;
    for (const name of Object.keys(query)) {
      if (!["limit", "starting_after"].includes(name)) {
        throw new ApiError("unknown_parameter", `${name.slice(0, 64)} is not a known parameter.`, name.slice(0, 64));
      }
    }
    const pageLimit = query.limit === undefined || query.limit === "" ? undefined : Number(query.limit);
    if (pageLimit !== undefined && !(Number.isInteger(pageLimit) && pageLimit >= 1 && pageLimit <= OPT_OUT_LIST_LIMIT_MAX)) {
      throw new ApiError("invalid_parameter", `limit must be an integer from 1 to ${OPT_OUT_LIST_LIMIT_MAX}.`, "limit");
    }
    const after = query.starting_after;
    if (after !== undefined && typeof after !== "string") throw new ApiError("invalid_parameter", "starting_after must be given once.", "starting_after");
    res.json(await listOptOutsUseCase(orders, { orgId: orgOf(res), limit: pageLimit, startingAfter: after || null }));
  });
  app.post(ORDER_ROUTES.optOuts, authenticate("optout.add"), requireJson, readRawBody(limit), async (req, res) => {
    const body = objectBody(req, ["number"]);
    if (body.number === undefined) throw new ApiError("missing_field", "number is required.", "number");
    typed(body, "number", (v) => typeof v === "string", "a string");
    const added = await addOptOutUseCase(orders, { orgId: orgOf(res), number: body.number, source: "rest" });
    res.status(added.added ? 201 : 200).json(added);
  });
  app.all(ORDER_ROUTES.optOuts, methodNotAllowed("GET, POST"));

  app.delete(ORDER_ROUTES.optOut, authenticate("optout.remove"), async (req, res) => {
    res.json(await removeOptOutUseCase(orders, { orgId: orgOf(res), number: String(req.params.number ?? ""), field: "number" }));
  });
  app.all(ORDER_ROUTES.optOut, methodNotAllowed("DELETE"));

  app.get(ORDER_ROUTES.policy, authenticate("policy.read"), async (_req, res) => {
    res.json(await showOrgPolicy(orders, orgOf(res)));
  });
  app.patch(ORDER_ROUTES.policy, authenticate("policy.update"), requireJson, readRawBody(limit), async (req, res) => {
    const body = objectBody(req, ["calling_hours", "calling_hours_guard", "max_concurrent_calls", "dedupe_window_minutes", "default_retry"]);
    typed(body, "calling_hours", (v) => isObject(v) && typeof (v as Body).start === "string" && typeof (v as Body).end === "string", 'an object {"start": "HH:MM", "end": "HH:MM"}');
    typed(body, "calling_hours_guard", (v) => typeof v === "boolean", "true or false");
    typed(body, "max_concurrent_calls", Number.isInteger, "an integer");
    typed(body, "dedupe_window_minutes", Number.isInteger, "an integer");
    typed(body, "default_retry", (v) => v === null || isObject(v), "an object or null");
    const orgId = orgOf(res);
    const policy = await setOrgPolicy(orders, orgId, body as PolicyInput);
    // This replica plans with the new policy at once; the others find out from their next create's statement.
    policies.forget(orgId);
    res.json(policy);
  });
  app.all(ORDER_ROUTES.policy, methodNotAllowed("GET, PATCH"));
}
