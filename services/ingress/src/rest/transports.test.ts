import { isDeepStrictEqual } from "node:util";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { advanceCall } from "../test-support/calls";
import {
  createTestApiKey,
  createTestOrg,
  type HttpResponse,
  phoneNumber,
  startIngress,
  type TestIngress,
  type TestOrg,
} from "../test-support/harness";

/**
 * One table of cases, run through both transports: the webhook action and its REST twin must answer the
 * same status, error code, message and details (the field named in each transport's own way), because both
 * call the same use case.
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

type Org = TestOrg & { key: string };

interface Transport {
  name: string;
  /** How this transport names a field of the request in errors. */
  field(name: string): string;
  create(org: Org, data: Record<string, unknown>, headers?: Record<string, string>): Promise<HttpResponse>;
  cancel(org: Org, callId: string, headers?: Record<string, string>): Promise<HttpResponse>;
  delete(org: Org, callId: string, headers?: Record<string, string>): Promise<HttpResponse>;
  /** The id of the call a 201 created. */
  createdId(res: HttpResponse): string;
}

const webhook: Transport = {
  name: "webhook",
  field: (name) => `data.${name}`,
  create: (org, data, headers) => ingress.hook(org.token, { action: "call.create", data }, headers),
  cancel: (org, callId, headers) => ingress.hook(org.token, { action: "call.cancel", data: { call_id: callId } }, headers),
  delete: (org, callId, headers) => ingress.hook(org.token, { action: "call.delete", data: { call_id: callId } }, headers),
  createdId: (res) => res.body.call_id,
};

const rest: Transport = {
  name: "REST",
  field: (name) => name,
  create: (org, data, headers) => ingress.rest("POST", "/v1/calls", org.key, { body: data, headers }),
  cancel: (org, callId, headers) => ingress.rest("POST", `/v1/calls/${callId}/cancel`, org.key, { headers }),
  delete: (org, callId, headers) => ingress.rest("DELETE", `/v1/calls/${callId}`, org.key, { headers }),
  createdId: (res) => res.body.id,
};

async function newOrg(credits = 20): Promise<Org> {
  const org = await createTestOrg(suite.db, { credits });
  return { ...org, key: (await createTestApiKey(suite.db, org.orgId)).key };
}

const data = (org: Org, extra: Record<string, unknown> = {}) => ({
  agent_id: org.agentId,
  contact_number: phoneNumber(),
  ...extra,
});

async function created(via: Transport, org: Org, status?: Parameters<typeof advanceCall>[2], engagement = false) {
  const res = await via.create(org, data(org));
  expect(res.status).toBe(201);
  const id = via.createdId(res);
  if (status) await advanceCall(suite.db, id, status, { engagement });
  return id;
}

interface Outcome {
  status: number;
  /** The error, its field named without any transport prefix; undefined for a success. */
  error?: Record<string, unknown>;
  /** What the case observed beyond the response (balances, call counts, replayed ids). */
  facts?: Record<string, unknown>;
}

interface Case {
  name: string;
  run(via: Transport): Promise<Outcome>;
  expected: Outcome;
}

/** A response as a transport-independent outcome: the error's field without the webhook's "data." prefix. */
function outcome(via: Transport, res: HttpResponse, facts?: Record<string, unknown>): Outcome {
  if (res.status < 400) return { status: res.status, ...(facts ? { facts } : {}) };
  const error = { ...res.body.error };
  if (typeof error.field === "string" && error.field.startsWith(via.field(""))) {
    error.field = error.field.slice(via.field("").length);
  }
  return { status: res.status, error, ...(facts ? { facts } : {}) };
}

const balance = async (org: Org) => (await suite.db.prisma.organization.findUnique({ where: { id: org.orgId } }))?.credits;
const callCount = (org: Org) => suite.db.prisma.call.count({ where: { orgId: org.orgId } });

const INVALID_NUMBER = "contact_number must be a valid phone number including the country code, e.g. +919876543210";

const CASES: Case[] = [
  {
    name: "create: a number as a CRM exports it is stored in E.164",
    async run(via) {
      const org = await newOrg();
      const res = await via.create(org, data(org, { contact_number: "+91 98765 43210" }));
      const call = await suite.db.prisma.call.findUnique({ where: { id: via.createdId(res) } });
      return outcome(via, res, { stored: call?.contactNumber, balance: await balance(org) });
    },
    expected: { status: 201, facts: { stored: "+919876543210", balance: 19 } },
  },
  {
    name: "create: a bad number",
    run: async (via) => {
      const org = await newOrg();
      return outcome(via, await via.create(org, data(org, { contact_number: "+1 12" })), { calls: await callCount(org) });
    },
    expected: {
      status: 400,
      error: { code: "invalid_contact_number", message: INVALID_NUMBER, field: "contact_number" },
      facts: { calls: 0 },
    },
  },
  {
    name: "create: a number without its country code",
    run: async (via) => {
      const org = await newOrg();
      return outcome(via, await via.create(org, data(org, { contact_number: "98765 43210" })));
    },
    expected: {
      status: 400,
      error: {
        code: "invalid_contact_number",
        message:
          "contact_number is missing its country code: start it with + or 00 and the country code, e.g. +919876543210 or +1 (415) 555-2671",
        field: "contact_number",
      },
    },
  },
  {
    name: "create: a bad email",
    run: async (via) => {
      const org = await newOrg();
      return outcome(via, await via.create(org, data(org, { contact_email: "jane-at-example" })));
    },
    expected: {
      status: 400,
      error: {
        code: "invalid_contact_email",
        message: "contact_email must be a valid email address, e.g. jane@example.com",
        field: "contact_email",
      },
    },
  },
  {
    name: "create: more than 25 additional_info keys",
    run: async (via) => {
      const org = await newOrg();
      const info = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, i]));
      return outcome(via, await via.create(org, data(org, { additional_info: info })));
    },
    expected: {
      status: 400,
      error: {
        code: "too_many_additional_info_keys",
        message: "additional_info may hold at most 25 keys.",
        field: "additional_info",
      },
    },
  },
  {
    name: "create: an unknown agent (or another organisation's)",
    run: async (via) => {
      const [org, other] = await Promise.all([newOrg(), newOrg()]);
      return outcome(via, await via.create(org, data(org, { agent_id: other.agentId })), { balance: await balance(org) });
    },
    expected: {
      status: 400,
      error: { code: "agent_not_found", message: "agent_id does not match any agent of this organisation.", field: "agent_id" },
      facts: { balance: 20 },
    },
  },
  {
    name: "create: 402 when the credits are used up",
    run: async (via) => {
      const org = await newOrg(1);
      await via.create(org, data(org));
      return outcome(via, await via.create(org, data(org)), { calls: await callCount(org) });
    },
    expected: {
      status: 402,
      error: {
        code: "insufficient_credits",
        message: "The organisation has 0 credits and a call costs 1. Add credits, then retry.",
        balance: 0,
        cost: 1,
      },
      facts: { calls: 1 },
    },
  },
  {
    name: "create with an Idempotency-Key: the repeat replays the 201 and creates nothing",
    run: async (via) => {
      const org = await newOrg();
      const body = data(org);
      const first = await via.create(org, body, { "Idempotency-Key": "same" });
      const again = await via.create(org, body, { "Idempotency-Key": "same" });
      return outcome(via, again, {
        sameCall: via.createdId(first) === via.createdId(again),
        replayed: again.headers["idempotent-replayed"],
        sameBody: isDeepStrictEqual(again.body, first.body) || again.body,
        calls: await callCount(org),
      });
    },
    expected: { status: 201, facts: { sameCall: true, replayed: "true", sameBody: true, calls: 1 } },
  },
  {
    name: "create with an Idempotency-Key reused for another body: 422",
    run: async (via) => {
      const org = await newOrg();
      await via.create(org, data(org), { "Idempotency-Key": "k" });
      return outcome(via, await via.create(org, data(org), { "Idempotency-Key": "k" }), { calls: await callCount(org) });
    },
    expected: {
      status: 422,
      error: {
        code: "idempotency_key_reused",
        message: "This Idempotency-Key was already used with a different body. Use a new key for a different request.",
        field: "Idempotency-Key",
      },
      facts: { calls: 1 },
    },
  },
  {
    name: "a replayed 402 stays a 402 for its key",
    run: async (via) => {
      const org = await newOrg(0);
      const body = data(org);
      await via.create(org, body, { "Idempotency-Key": "poor" });
      await suite.db.prisma.organization.update({ where: { id: org.orgId }, data: { credits: 5 } });
      const again = await via.create(org, body, { "Idempotency-Key": "poor" });
      return outcome(via, again, { replayed: again.headers["idempotent-replayed"], calls: await callCount(org) });
    },
    expected: {
      status: 402,
      error: {
        code: "insufficient_credits",
        message: "The organisation has 0 credits and a call costs 1. Add credits, then retry.",
        balance: 0,
        cost: 1,
      },
      facts: { replayed: "true", calls: 0 },
    },
  },
  {
    name: "cancel of another organisation's call: 404, and the call is untouched",
    run: async (via) => {
      const [org, other] = await Promise.all([newOrg(), newOrg()]);
      const foreign = await created(via, other);
      const res = await via.cancel(org, foreign);
      const row = await suite.db.prisma.call.findUnique({ where: { id: foreign } });
      return outcome(via, res, { foreignStatus: row?.status });
    },
    expected: {
      status: 404,
      error: { code: "call_not_found", message: "No call with this call_id exists for this organisation.", field: "call_id" },
      facts: { foreignStatus: "queued" },
    },
  },
  {
    name: "delete of another organisation's call: 404",
    run: async (via) => {
      const [org, other] = await Promise.all([newOrg(), newOrg()]);
      return outcome(via, await via.delete(org, await created(via, other, "completed", true)));
    },
    expected: {
      status: 404,
      error: { code: "call_not_found", message: "No call with this call_id exists for this organisation.", field: "call_id" },
    },
  },
  {
    name: "cancel of a queued call: 200, the credit back",
    run: async (via) => {
      const org = await newOrg();
      const id = await created(via, org);
      const res = await via.cancel(org, id);
      const row = await suite.db.prisma.call.findUnique({ where: { id } });
      return outcome(via, res, { status: row?.status, balance: await balance(org) });
    },
    expected: { status: 200, facts: { status: "canceled", balance: 20 } },
  },
  {
    name: "cancel of a call that left queued: 409 with its status, no refund",
    run: async (via) => {
      const org = await newOrg();
      return outcome(via, await via.cancel(org, await created(via, org, "dialing")), { balance: await balance(org) });
    },
    expected: {
      status: 409,
      error: {
        code: "call_not_cancelable",
        message: "The call is dialing; only a scheduled or queued call, or one waiting for a retry, can be canceled.",
        field: "call_id",
        status: "dialing",
      },
      facts: { balance: 19 },
    },
  },
  {
    name: "delete of a call that never connected: 409",
    run: async (via) => {
      const org = await newOrg();
      return outcome(via, await via.delete(org, await created(via, org, "no_answer")));
    },
    expected: {
      status: 409,
      error: {
        code: "call_not_deletable",
        message: "The call is no_answer and never connected; only a finished call that connected can be deleted.",
        field: "call_id",
        status: "no_answer",
      },
    },
  },
  {
    name: "delete of a finished, connected call: 200, PII erased; then cancel and delete answer 404",
    run: async (via) => {
      const org = await newOrg();
      const id = await created(via, org, "completed", true);
      const res = await via.delete(org, id);
      const row = await suite.db.prisma.call.findUnique({ where: { id } });
      const [cancel, again] = [await via.cancel(org, id), await via.delete(org, id)];
      return outcome(via, res, { number: row?.contactNumber, after: [cancel.status, again.status] });
    },
    expected: { status: 200, facts: { number: null, after: [404, 404] } },
  },
];

describe.each([webhook, rest])("through the $name", (via) => {
  test.each(CASES)("$name", async ({ run, expected }) => {
    const got = await run(via);
    expect(got).toEqual(expected);
  });
});
