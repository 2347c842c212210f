import { newId, WEBHOOK_CALL_DATA_FIELDS } from "@inbound/contracts";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { createAgent, createOrganization } from "../admin/organizations";
import { createQueuedCall } from "../calls/create-call";
import { eraseCall } from "../calls/delete-call";
import { transitionCall, transitionCalls } from "../calls/transition-call";
import { slotsHeld } from "../orders/capacity";
import { changeEndpoint, insertEndpoint } from "./endpoints";

let suite: SuiteEnv;
const box = new SecretBox("0".repeat(64));

beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

async function org(endpoints: { eventTypes?: string[] }[]) {
  const orgId = (await createOrganization(suite.db.prisma, { name: "T", credits: 100, dailyQuota: 100 })).org_id;
  const agentId = (await createAgent(suite.db.prisma, { orgId, name: "A" })).agent_id;
  const ids: string[] = [];
  for (const e of endpoints) {
    const created = await insertEndpoint(suite.db.pool, box, { orgId, url: "https://example.com/hook", eventTypes: e.eventTypes ?? [] });
    ids.push(created!.endpoint.id);
  }
  return { orgId, agentId, endpointIds: ids };
}

async function create(orgId: string, agentId: string) {
  const callId = newId("call");
  const result = await createQueuedCall(suite.db.pool, {
    callId,
    orgId,
    agentId,
    contactNumber: "+14155552671",
    contactName: "Ada Lovelace",
    contactEmail: "ada@example.com",
    additionalInfo: { secret_note: "vip" },
    cost: 1,
  });
  expect(result).toMatchObject({ outcome: "created" });
  return callId;
}

const messages = (where: string, value: string) =>
  suite.db.pool
    .query<{ endpoint_id: string; event_id: string; event_type: string; payload: any; status: string }>(
      `SELECT endpoint_id, event_id, event_type, payload, status::text FROM webhook_messages WHERE ${where} = $1 ORDER BY created_at, (payload->'data'->>'sequence')::int, endpoint_id`,
      [value],
    )
    .then((r) => r.rows);

test("a whole lifecycle writes one message per event per endpoint, in sequence, with SPEC §6's fields only", async () => {
  const { orgId, agentId, endpointIds } = await org([{}, {}]);
  const callId = await create(orgId, agentId);
  const moves = [
    { from: "queued", to: "dialing", incrementAttempts: true },
    { from: "dialing", to: "ringing" },
    { from: "ringing", to: "in_progress" },
    { from: "in_progress", to: "completed", endReason: "hangup", engagement: { transcript: "hi", recording: null, durationSeconds: 42 } },
  ] as const;
  for (const move of moves) expect((await transitionCall(suite.db.pool, { callId, ...move })).moved).toBe(true);
  expect((await eraseCall(suite.db.pool, { callId, orgId })).deleted).toBe(true);

  const rows = await messages("call_id", callId);
  const types = ["call.queued", "call.dialing", "call.ringing", "call.in_progress", "call.completed", "call.deleted"];
  for (const endpointId of endpointIds) {
    const mine = rows.filter((r) => r.endpoint_id === endpointId);
    expect(mine.map((r) => r.event_type)).toEqual(types);
    expect(mine.map((r) => r.payload.data.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mine.every((r) => r.status === "pending")).toBe(true);
  }
  // One event id per event, shared by the endpoints; distinct across events.
  const ids = new Set(rows.map((r) => r.event_id));
  expect(ids.size).toBe(types.length);
  for (const r of rows) {
    expect(Object.keys(r.payload).sort()).toEqual(["data", "timestamp", "type"]);
    expect(Object.keys(r.payload.data).sort()).toEqual([...WEBHOOK_CALL_DATA_FIELDS].sort());
    expect(JSON.stringify(r.payload)).not.toMatch(/4155552671|Ada|ada@|secret_note|vip|"hi"/);
    expect(r.payload.data).toMatchObject({ call_id: callId, agent_id: agentId });
    expect(r.payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  const completed = rows.find((r) => r.event_type === "call.completed")!.payload.data;
  expect(completed).toEqual({
    call_id: callId,
    status: "completed",
    previous_status: "in_progress",
    agent_id: agentId,
    attempt: 1,
    end_reason: "hangup",
    duration_seconds: 42,
    sequence: 5,
  });
  expect(rows.find((r) => r.event_type === "call.deleted")!.payload.data).toMatchObject({
    status: "deleted",
    previous_status: "completed",
    duration_seconds: 42,
  });
});

test("a move through `via` leaves exactly what its steps taken one by one leave: events, stamps, messages, attempt, slots, credits", async () => {
  const { orgId, agentId } = await org([{}]);
  const org_ = async () => ({
    ...(await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })),
    held: (await slotsHeld(suite.db.pool, orgId)) as number,
  });
  const observe = async (callId: string) => {
    const call = await suite.db.prisma.call.findUniqueOrThrow({ where: { id: callId }, include: { dialAttempts: true } });
    const events = await suite.db.prisma.callEvent.findMany({ where: { callId }, orderBy: { id: "asc" } });
    return {
      status: call.status,
      endReason: call.endReason,
      stamped: [call.dialingAt, call.ringingAt, call.answeredAt, call.endedAt].map((at) => at !== null),
      attempts: call.dialAttempts.map((a) => [a.attempt, a.outcome, a.endedAt !== null]),
      events: events.map((e) => [e.fromStatus, e.toStatus, e.detail]),
      messages: (await messages("call_id", callId)).map((r) => ({ ...r.payload.data, call_id: "", type: r.event_type })),
    };
  };
  const ends = [
    // Answered and completed: no refund.
    { to: "completed", via: ["ringing", "in_progress"], endReason: undefined, engagement: { transcript: "hi", recording: null, durationSeconds: 9 } },
    // Rang out: refunded (its last step leaves ringing).
    { to: "no_answer", via: ["ringing"], endReason: "no_answer", engagement: undefined },
  ] as const;
  for (const end of ends) {
    const stepwise = await create(orgId, agentId);
    const walked = await create(orgId, agentId);
    for (const callId of [stepwise, walked]) {
      expect((await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing", incrementAttempts: true })).moved).toBe(true);
    }
    const before = await org_();
    const path = ["dialing", ...end.via, end.to] as const;
    for (let n = 1; n < path.length; n++) {
      const last = n === path.length - 1;
      const moved = await transitionCall(suite.db.pool, {
        callId: stepwise,
        from: path[n - 1]!,
        to: path[n]!,
        detail: `step ${n}`,
        ...(last ? { endReason: end.endReason, engagement: end.engagement } : {}),
      });
      expect(moved.moved).toBe(true);
    }
    const afterStepwise = await org_();
    const result = await transitionCall(suite.db.pool, {
      callId: walked,
      from: "dialing",
      to: end.to,
      via: end.via.map((status, i) => ({ status, detail: `step ${i + 1}` })),
      detail: `step ${path.length - 1}`,
      endReason: end.endReason,
      engagement: end.engagement,
    });
    expect(result).toMatchObject({ moved: true, call: { status: end.to, refunded: end.to !== "completed" } });
    const afterWalked = await org_();
    expect(await observe(walked)).toEqual(await observe(stepwise));
    // Each gave its slot back once, and refunded (or not) alike.
    expect(afterStepwise.held - before.held).toBe(-1);
    expect(afterWalked.held - afterStepwise.held).toBe(-1);
    expect(afterWalked.credits - afterStepwise.credits).toBe(afterStepwise.credits - before.credits);
  }
  const walkedMessages = (await observe((await suite.db.prisma.call.findFirstOrThrow({ where: { orgId, status: "completed" }, orderBy: { createdAt: "desc" } })).id)).messages;
  expect(walkedMessages.map((m) => [m.type, m.sequence])).toEqual([
    ["call.queued", 1],
    ["call.dialing", 2],
    ["call.ringing", 3],
    ["call.in_progress", 4],
    ["call.completed", 5],
  ]);

  // Every step must be a legal move, and only live statuses are passed through.
  await expect(
    transitionCall(suite.db.pool, { callId: newId("call"), from: "dialing", to: "completed", via: [{ status: "ringing" }] }),
  ).rejects.toThrow(/illegal call transition ringing → completed/);
  await expect(
    transitionCall(suite.db.pool, { callId: newId("call"), from: "queued", to: "dialing", via: [{ status: "scheduled" }] }),
  ).rejects.toThrow(/illegal|live statuses only/);
});

test("cancel writes call.canceled; a move that does not happen writes nothing", async () => {
  const { orgId, agentId } = await org([{}]);
  const callId = await create(orgId, agentId);
  await transitionCalls(suite.db.pool, [
    { callId, orgId, from: "queued", to: "canceled" },
    { callId, orgId, from: "queued", to: "dialing" },
  ]);
  expect((await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing" })).moved).toBe(false);
  const rows = await messages("call_id", callId);
  expect(rows.map((r) => [r.event_type, r.payload.data.sequence, r.payload.data.previous_status])).toEqual([
    ["call.queued", 1, null],
    ["call.canceled", 2, "queued"],
  ]);
});

test("event-type filters, disabled endpoints and organisations without endpoints", async () => {
  const { orgId, agentId, endpointIds } = await org([{ eventTypes: ["call.dialing"] }, {}]);
  await changeEndpoint(suite.db.pool, { endpointId: endpointIds[1]!, enabled: false });
  const callId = await create(orgId, agentId);
  await transitionCall(suite.db.pool, { callId, from: "queued", to: "dialing" });
  const rows = await messages("call_id", callId);
  expect(rows.map((r) => [r.endpoint_id, r.event_type])).toEqual([[endpointIds[0], "call.dialing"]]);

  const bare = await org([]);
  const other = await create(bare.orgId, bare.agentId);
  await transitionCall(suite.db.pool, { callId: other, from: "queued", to: "canceled" });
  expect(await messages("call_id", other)).toEqual([]);
});
