import { newId } from "@inbound/contracts";
import { createAgent, createOrganization, createQueuedCalls, transitionCall } from "@inbound/db";
import { createQueues, purgeJobId } from "@inbound/queue";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
beforeAll(async () => {
  suite = await createSuiteEnv();
});
afterAll(() => suite.close());

const NUMBER = "+14155550123";

/** A call that went queued → dialing → ringing → in_progress → completed, through the real transition module. */
async function completedCall(): Promise<{ callId: string; orgId: string; agentId: string }> {
  const { prisma } = suite.db;
  const { org_id: orgId } = await createOrganization(prisma, { name: "Acme", credits: 9, dailyQuota: 10 });
  const { agent_id: agentId } = await createAgent(prisma, { orgId, name: "Bot" });
  const callId = newId("call");
  await prisma.call.create({
    data: { id: callId, orgId, agentId, contactNumber: NUMBER, contactName: "Ada Lovelace", creditsReserved: 1 },
  });
  await prisma.callEvent.create({ data: { callId, fromStatus: null, toStatus: "queued" } });
  const steps = [
    { from: "queued", to: "dialing", incrementAttempts: true },
    { from: "dialing", to: "ringing", providerCallId: "sim_provider_1" },
    { from: "ringing", to: "in_progress" },
    {
      from: "in_progress",
      to: "completed",
      endReason: "hangup",
      engagement: { transcript: "Hello Ada", recording: null, durationSeconds: 42 },
    },
  ] as const;
  for (const step of steps) {
    const result = await transitionCall(prisma, { callId, ...step });
    if (!result.moved) throw new Error(`transition ${step.from} → ${step.to} did not move`);
  }
  return { callId, orgId, agentId };
}

describe("call show", () => {
  it("shows status, the time of every stage and the event log, with the contact number masked", async () => {
    const { callId, orgId, agentId } = await completedCall();
    const [json, text, unknown] = await Promise.all([
      runAdmin(suite.env, ["call", "show", "--call", callId, "--json"]),
      runAdmin(suite.env, ["call", "show", "--call", callId]),
      runAdmin(suite.env, ["call", "show", "--call", "call_nope", "--json"]),
    ]);

    const call = expectJson<{
      status: string;
      timestamps: Record<string, string | null>;
      events: { from: string | null; to: string; at: string }[];
      [key: string]: unknown;
    }>(json);
    expect(call).toMatchObject({
      call_id: callId,
      org_id: orgId,
      agent_id: agentId,
      status: "completed",
      attempts: 1,
      credits_reserved: 1,
      end_reason: "hangup",
      provider_call_id: "sim_provider_1",
      engagement: { duration_seconds: 42 },
      deletion: null,
    });
    for (const stage of ["queued_at", "dialing_at", "ringing_at", "answered_at", "ended_at"]) {
      expect(Number.isNaN(Date.parse(call.timestamps[stage] ?? ""))).toBe(false);
    }
    expect(call.timestamps.deleted_at).toBeNull();
    expect(call.events.map((e) => [e.from, e.to])).toEqual([
      [null, "queued"],
      ["queued", "dialing"],
      ["dialing", "ringing"],
      ["ringing", "in_progress"],
      ["in_progress", "completed"],
    ]);
    expect(json.stdout).not.toContain(NUMBER);
    expect(json.stdout).not.toContain("Ada");
    expect(json.stdout).not.toContain("Hello");

    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Call ${callId}: completed (hangup)`);
    expect(text.stdout).toMatch(/ringing -> in_progress/);
    expect(text.stdout).not.toContain(NUMBER);

    expect(expectFailure(unknown, 1)).toBe("call call_nope not found");
  });
});

describe("call cancel and call delete (@inbound/calls, the webhook's, REST's and the dashboard's use cases)", () => {
  it("cancels a queued call with its refund, refuses a second cancel with the status, deletes a connected call and queues its purge", async () => {
    const { prisma } = suite.db;
    const { org_id: orgId } = await createOrganization(prisma, { name: "Queued", credits: 3, dailyQuota: 10 });
    const { agent_id: agentId } = await createAgent(prisma, { orgId, name: "Bot" });
    const queued = newId("call");
    const [created] = await createQueuedCalls(suite.db.pool, [
      { callId: queued, orgId, agentId, contactNumber: NUMBER, cost: 1 },
    ]);
    expect(created?.outcome).toBe("created");
    const finished = await completedCall();

    const [canceled, foreignDelete] = await Promise.all([
      runAdmin(suite.env, ["call", "cancel", "--org", orgId, "--call", queued, "--json"]),
      runAdmin(suite.env, ["call", "delete", "--org", orgId, "--call", finished.callId, "--json"]),
    ]);
    expect(expectJson(canceled)).toEqual({ call_id: queued, status: "canceled", message: "Call has been canceled." });
    expect((await prisma.organization.findUnique({ where: { id: orgId } }))?.credits).toBe(3);
    const events = await prisma.callEvent.findMany({ where: { callId: queued }, orderBy: { at: "asc" } });
    expect(events.at(-1)).toMatchObject({ toStatus: "canceled", detail: "canceled by admin CLI" });
    // Another organisation's call is not found, and stays as it was.
    expect(expectFailure(foreignDelete, 1)).toBe("No call with this call_id exists for this organisation. (call_not_found)");
    expect((await prisma.call.findUnique({ where: { id: finished.callId } }))?.deletedAt).toBeNull();

    const [again, deleted] = await Promise.all([
      runAdmin(suite.env, ["call", "cancel", "--org", orgId, "--call", queued, "--json"]),
      runAdmin(suite.env, ["call", "delete", "--org", finished.orgId, "--call", finished.callId, "--json"]),
    ]);
    expect(expectFailure(again, 1)).toBe("The call is canceled; only a scheduled or queued call, or one waiting for a retry, can be canceled. (call_not_cancelable)");
    expect(expectJson(deleted)).toEqual({ call_id: finished.callId, deleted: true, message: "Call has been deleted." });
    expect(await prisma.call.findUnique({ where: { id: finished.callId } })).toMatchObject({
      contactNumber: null,
      deletedAt: expect.any(Date),
    });
    const queues = createQueues(suite.redis, suite.prefix);
    try {
      expect((await queues.purges.getJob(purgeJobId(finished.callId)))?.data).toEqual({
        callId: finished.callId,
        orgId: finished.orgId,
      });
    } finally {
      await queues.close();
    }
  });
});
