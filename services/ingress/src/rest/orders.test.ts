import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { admin, createTestApiKey, createTestOrg, startIngress, type TestIngress, type TestOrg } from "../test-support/harness";

/**
 * Call orders (SPEC §9) through both transports, over HTTP against real Postgres and Redis, on a fake clock:
 * calling hours in the recipient's zones, schedule windows, opt-outs, dedupe, cancel of a scheduled call, and
 * the policy through REST and the admin CLI.
 */
let suite: SuiteEnv;
let a: TestIngress;
let b: TestIngress;
// 2026-11-30 16:00 UTC: 21:30 in India (closed), 11:00 in New York (open), 08:00 in San Francisco (open).
let now = Date.parse("2026-11-30T16:00:00Z");
const clock = () => now;

beforeAll(async () => {
  suite = await createSuiteEnv();
  [a, b] = await Promise.all([startIngress(suite, { clock }), startIngress(suite, { clock })]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await suite?.close();
});
beforeEach(() => {
  now = Date.parse("2026-11-30T16:00:00Z");
});

interface GuardedOrg extends TestOrg {
  key: string;
}

/** An organisation with the calling-hours guard ON (the default of every real organisation). */
async function guardedOrg(credits = 100): Promise<GuardedOrg> {
  const org = await createTestOrg(suite.db, { credits, callingHoursGuard: true });
  return { ...org, key: (await createTestApiKey(suite.db, org.orgId)).key };
}

async function row(callId: string) {
  const { rows } = await suite.db.pool.query<{ status: string; due_at: Date | null }>(
    "SELECT status::text AS status, due_at FROM calls WHERE id = $1",
    [callId],
  );
  return rows[0];
}

async function credits(orgId: string): Promise<number> {
  const { rows } = await suite.db.pool.query<{ credits: number }>("SELECT credits FROM organizations WHERE id = $1", [orgId]);
  return rows[0]?.credits as number;
}

describe("calling hours and schedule windows at create", () => {
  test("outside the recipient's hours a create is scheduled for the next opening (no job); inside, queued (a job)", async () => {
    const org = await guardedOrg();
    const night = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+91 98765 40001" },
    });
    expect(night.status).toBe(201);
    expect(night.body).toEqual({
      success: true,
      call_id: expect.stringMatching(/^call_/),
      status: "scheduled",
      scheduled_for: "2026-12-01T02:30:00.000Z", // 08:00 IST
      message: "Call has been scheduled for 2026-12-01T02:30:00.000Z.",
    });
    const id = night.body.call_id as string;
    expect(await row(id)).toEqual({ status: "scheduled", due_at: new Date("2026-12-01T02:30:00Z") });
    expect(await a.queues.calls.getJob(id)).toBeUndefined();
    expect(await credits(org.orgId)).toBe(99); // reserved at create, like any call

    const read = await b.rest("GET", `/v1/calls/${id}`, org.key);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      status: "scheduled",
      schedule: {
        not_before: null,
        not_after: null,
        due_at: "2026-12-01T02:30:00.000Z",
        calling_hours: { start: "08:00", end: "21:00" },
        time_zones: ["Asia/Calcutta"],
      },
      retry: null,
      dial_attempts: [],
      window_decisions: [
        {
          at: "2026-11-30T16:00:00.000Z",
          attempt: 1,
          decision: "defer",
          reason: "calling_hours",
          until: "2026-12-01T02:30:00.000Z",
        },
      ],
    });
    const events = await b.rest("GET", `/v1/calls/${id}/events`, org.key);
    expect(events.body).toEqual({
      data: [{ from_status: null, to_status: "scheduled", detail: "created", at: expect.any(String) }],
    });

    const day = await a.rest("POST", "/v1/calls", org.key, {
      body: { agent_id: org.agentId, contact_number: "+1 212 555 0123" },
    });
    expect(day.status).toBe(201);
    expect(day.body).toMatchObject({ status: "queued", schedule: { due_at: null, time_zones: ["America/New_York"] } });
    expect(await a.queues.calls.getJob(day.body.id as string)).toBeDefined();
  });

  test("not_before defers; calling_hours narrows (never widens); retry is stored; errors name the field", async () => {
    const org = await guardedOrg();
    const later = await a.rest("POST", "/v1/calls", org.key, {
      body: {
        agent_id: org.agentId,
        contact_number: "+12125550124",
        not_before: "2026-11-30T12:30:00-05:00", // 17:30Z, inside New York's hours
        not_after: "2026-12-02T00:00:00Z",
        calling_hours: { start: "07:00", end: "19:00" },
        retry: { on: ["no_answer", "busy"], max_attempts: 3, backoff_minutes: [15, 60] },
      },
    });
    expect(later.status).toBe(201);
    expect(later.body).toMatchObject({
      status: "scheduled",
      schedule: {
        not_before: "2026-11-30T17:30:00.000Z",
        not_after: "2026-12-02T00:00:00.000Z",
        due_at: "2026-11-30T17:30:00.000Z",
        calling_hours: { start: "08:00", end: "19:00" }, // 07:00 asked, the organisation's 08:00 holds
      },
      retry: { on: ["no_answer", "busy"], max_attempts: 3, backoff_minutes: [15, 60] },
      window_decisions: [{ decision: "defer", reason: "not_before", until: "2026-11-30T17:30:00.000Z" }],
    });

    const bad: [Record<string, unknown>, number, string, string][] = [
      [{ not_after: "2026-11-30T15:00:00Z" }, 400, "invalid_schedule", "data.not_after"],
      [{ not_before: "2026-12-01T10:00:00Z", not_after: "2026-12-01T09:00:00Z" }, 400, "invalid_schedule", "data.not_after"],
      [{ not_before: "tomorrow" }, 400, "invalid_schedule", "data.not_before"],
      [{ not_before: "2026-12-01T10:00:00" }, 400, "invalid_schedule", "data.not_before"], // no offset
      [{ calling_hours: { start: "22:00", end: "23:00" } }, 400, "invalid_calling_hours", "data.calling_hours"],
      [{ calling_hours: { start: "9am", end: "17:00" } }, 400, "invalid_calling_hours", "data.calling_hours"],
      [{ retry: { max_attempts: 9 } }, 400, "invalid_field", "data.retry.max_attempts"],
      [{ retry: { on: ["failed"] } }, 400, "invalid_field", "data.retry.on.0"],
      // 21:30 in India and not_after before 08:00 there: no opening is left.
      [{ not_after: "2026-12-01T02:00:00Z" }, 422, "no_calling_window", "data.not_after"],
    ];
    for (const [extra, status, code, field] of bad) {
      const res = await a.hook(org.token, {
        action: "call.create",
        data: { agent_id: org.agentId, contact_number: "+919876540002", ...extra },
      });
      expect({ extra, status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({
        extra,
        status,
        code,
        field,
      });
    }
    expect(await credits(org.orgId)).toBe(99); // only the first call
  });

  test("an organisation whose guard is off calls at any hour; turning it off over REST is recorded", async () => {
    const org = await guardedOrg();
    const off = await a.rest("PATCH", "/v1/call-policy", org.key, { body: { calling_hours_guard: false } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      org_id: org.orgId,
      calling_hours_guard: false,
      calling_hours_guard_changed_at: expect.stringMatching(/Z$/),
      max_concurrent_calls: 1000,
      concurrent_calls_in_use: 0,
      dedupe_window_minutes: 0,
      default_retry: null,
    });
    // Replica b never read this organisation's policy; replica a had it cached before the change.
    for (const replica of [a, b]) {
      const res = await replica.hook(org.token, {
        action: "call.create",
        data: { agent_id: org.agentId, contact_number: "+919876540003" },
      });
      expect(res.body).toMatchObject({ status: "queued" });
    }
    const shown = await b.rest("GET", "/v1/call-policy", org.key);
    expect(shown.body).toEqual(off.body);
    const invalid = await a.rest("PATCH", "/v1/call-policy", org.key, { body: { max_concurrent_calls: 0 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: "invalid_policy", field: "max_concurrent_calls" });
  });

  test("a policy changed on another replica is applied by the next create there too (the statement re-plans)", async () => {
    const org = await guardedOrg();
    // b caches the policy (guard on) with a create at night: scheduled.
    expect(
      (await b.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: "+919876540004" } })).body,
    ).toMatchObject({ status: "scheduled" });
    // The guard is turned off through a (b's copy is now stale).
    await a.rest("PATCH", "/v1/call-policy", org.key, { body: { calling_hours_guard: false } });
    expect(
      (await b.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: "+919876540005" } })).body,
    ).toMatchObject({ status: "queued" });
  });
});

describe("status webhooks", () => {
  test("a scheduled create emits call.scheduled (PII-free, previous_status null) to an endpoint that asked for it", async () => {
    const org = await guardedOrg();
    await suite.db.pool.query(
      `INSERT INTO webhook_endpoints (id, org_id, url, event_types) VALUES ($1, $2, 'https://hooks.example.com/x', $3)`,
      [`we_${org.orgId.slice(4)}`, org.orgId, ["call.scheduled", "call.queued"]],
    );
    const night = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+919876540040" },
    });
    const { rows } = await suite.db.pool.query<{ event_type: string; payload: { data: Record<string, unknown> } }>(
      "SELECT event_type, payload FROM webhook_messages WHERE call_id = $1",
      [night.body.call_id],
    );
    expect(rows.map((r) => [r.event_type, r.payload.data.status, r.payload.data.previous_status])).toEqual([
      ["call.scheduled", "scheduled", null],
    ]);
    expect(JSON.stringify(rows)).not.toContain("98765");
  });
});

describe("do-not-call list", () => {
  test("adding a number cancels its scheduled and queued calls in one step (credits back), refuses new ones; removing it allows them again", async () => {
    const org = await guardedOrg(10);
    const number = "+919876540010";
    const scheduled = await a.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: number } });
    now = Date.parse("2026-11-30T10:00:00Z"); // 15:30 IST
    const queued = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+91 98765 40010" },
    });
    const other = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+919876540011" },
    });
    expect([scheduled.body.status, queued.body.status, other.body.status]).toEqual(["scheduled", "queued", "queued"]);
    expect(await credits(org.orgId)).toBe(7);

    const added = await a.rest("POST", "/v1/opt-outs", org.key, { body: { number: "+91 98765 40010" } });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      number,
      source: "rest",
      created_at: expect.any(String),
      added: true,
      canceled_calls: 2,
      canceled_call_ids: [scheduled.body.call_id, queued.body.call_id].sort(),
    });
    expect((await row(scheduled.body.call_id as string))?.status).toBe("canceled");
    expect(await row(scheduled.body.call_id as string)).toEqual({ status: "canceled", due_at: null });
    expect((await row(queued.body.call_id as string))?.status).toBe("canceled");
    expect((await row(other.body.call_id as string))?.status).toBe("queued");
    expect(await credits(org.orgId)).toBe(9);
    const events = await a.rest("GET", `/v1/calls/${queued.body.call_id}/events`, org.key);
    expect(events.body.data.at(-1)).toMatchObject({ from_status: "queued", to_status: "canceled", detail: "opted_out" });

    for (const res of [
      await a.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: number } }),
      await b.rest("POST", "/v1/calls", org.key, { body: { agent_id: org.agentId, contact_number: "0091 98765 40010" } }),
    ]) {
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("recipient_opted_out");
    }
    expect(await credits(org.orgId)).toBe(9);

    const again = await b.rest("POST", "/v1/opt-outs", org.key, { body: { number } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ added: false, canceled_calls: 0 });
    const list = await a.rest("GET", "/v1/opt-outs?limit=10", org.key);
    expect(list.body).toEqual({
      data: [{ number, source: "rest", created_at: added.body.created_at }],
      has_more: false,
      next_cursor: null,
    });

    const removed = await a.rest("DELETE", `/v1/opt-outs/${encodeURIComponent(number)}`, org.key);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ number, removed: true });
    expect((await a.rest("DELETE", `/v1/opt-outs/${encodeURIComponent(number)}`, org.key)).body.error.code).toBe(
      "opt_out_not_found",
    );
    expect(
      (await a.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: number } })).status,
    ).toBe(201);
  });

  test("another organisation's list is its own; bad numbers and fields are 400", async () => {
    const one = await guardedOrg();
    const two = await guardedOrg();
    await a.rest("POST", "/v1/opt-outs", one.key, { body: { number: "+14155550123" } });
    expect((await a.rest("GET", "/v1/opt-outs", two.key)).body.data).toEqual([]);
    expect(
      (await a.rest("POST", "/v1/calls", two.key, { body: { agent_id: two.agentId, contact_number: "+14155550123" } })).status,
    ).toBe(201);
    const bad = await a.rest("POST", "/v1/opt-outs", one.key, { body: { number: "98765 43210" } });
    expect(bad.body.error).toMatchObject({ code: "invalid_contact_number", field: "number" });
    expect((await a.rest("POST", "/v1/opt-outs", one.key, { body: { phone: "+14155550123" } })).body.error.code).toBe(
      "unknown_field",
    );
    expect((await a.rest("GET", "/v1/opt-outs?page=2", one.key)).body.error.code).toBe("unknown_parameter");
  });
});

describe("dedupe window", () => {
  test("a second create for the same number within the window is 409 naming the first call; after it, allowed", async () => {
    const org = await guardedOrg();
    await a.rest("PATCH", "/v1/call-policy", org.key, { body: { dedupe_window_minutes: 10, calling_hours_guard: false } });
    const first = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+14155550200" },
    });
    expect(first.status).toBe(201);
    for (const res of [
      await b.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: "+1 (415) 555-0200" } }),
      await a.rest("POST", "/v1/calls", org.key, { body: { agent_id: org.agentId, contact_number: "+14155550200" } }),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "duplicate_recipient", call_id: first.body.call_id });
    }
    expect(await credits(org.orgId)).toBe(99);
    // The window is on the database's clock (created_at's): the first call is now 11 minutes old.
    await suite.db.pool.query("UPDATE calls SET created_at = created_at - interval '11 minutes' WHERE id = $1", [
      first.body.call_id,
    ]);
    expect(
      (await a.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: "+14155550200" } }))
        .status,
    ).toBe(201);
  });

  test("a canceled call does not count; concurrent creates in one batch: one call", async () => {
    const org = await guardedOrg();
    await a.rest("PATCH", "/v1/call-policy", org.key, { body: { dedupe_window_minutes: 60, calling_hours_guard: false } });
    const first = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+14155550300" },
    });
    expect((await a.hook(org.token, { action: "call.cancel", data: { call_id: first.body.call_id } })).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        a.hook(org.token, { action: "call.create", data: { agent_id: org.agentId, contact_number: "+14155550300" } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  test("two ingress replicas whose create statements run at the same time: one 201, one 409 naming it", async () => {
    const org = await guardedOrg();
    await a.rest("PATCH", "/v1/call-policy", org.key, { body: { dedupe_window_minutes: 10, calling_hours_guard: false } });
    // Warm both replicas' policy caches, so both requests go straight to their create statements.
    for (const replica of [a, b]) expect((await replica.rest("GET", "/v1/call-policy", org.key)).status).toBe(200);
    // Another transaction holds the organisation's row: both statements start (their snapshots predate either
    // commit) and wait; then it lets go.
    const locker = await suite.db.pool.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE", [org.orgId]);
      const data = { agent_id: org.agentId, contact_number: "+14155550400" };
      const requests = [a.hook(org.token, { action: "call.create", data }), b.rest("POST", "/v1/calls", org.key, { body: data })];
      const deadline = Date.now() + 3000;
      for (;;) {
        const { rows } = await suite.db.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%jsonb_to_recordset%'`,
        );
        if (Number(rows[0]?.n) >= 2) break;
        if (Date.now() > deadline) throw new Error("the two creates never both waited");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await locker.query("COMMIT");
      const [viaHook, viaRest] = await Promise.all(requests);
      const statuses = [viaHook?.status, viaRest?.status];
      expect([...statuses].sort()).toEqual([201, 409]);
      const [winner, loser] = statuses[0] === 201 ? [viaHook, viaRest] : [viaRest, viaHook];
      const winnerId = (winner?.body.call_id ?? winner?.body.id) as string;
      expect(loser?.body.error).toMatchObject({ code: "duplicate_recipient", call_id: winnerId });
      const { rows } = await suite.db.pool.query("SELECT id FROM calls WHERE org_id = $1", [org.orgId]);
      expect(rows.map((r) => r.id)).toEqual([winnerId]);
      expect(await credits(org.orgId)).toBe(99);
    } finally {
      await locker.query("ROLLBACK").catch(() => undefined);
      locker.release();
    }
  });
});

describe("cancel", () => {
  test("a scheduled call can be canceled (credit back); a canceled one then answers 409", async () => {
    const org = await guardedOrg();
    const created = await a.rest("POST", "/v1/calls", org.key, {
      body: { agent_id: org.agentId, contact_number: "+919876540020" },
    });
    expect(created.body.status).toBe("scheduled");
    const canceled = await b.rest("POST", `/v1/calls/${created.body.id}/cancel`, org.key);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: "canceled", schedule: { due_at: null } });
    expect(await credits(org.orgId)).toBe(100);
    const again = await a.hook(org.token, { action: "call.cancel", data: { call_id: created.body.id } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "call_not_cancelable", status: "canceled" });
  });
});

describe("admin CLI", () => {
  test("org policy set / show and optout add / list / remove, through the same use cases", async () => {
    const org = await guardedOrg();
    now = Date.parse("2026-11-30T10:00:00Z");
    const queued = await a.hook(org.token, {
      action: "call.create",
      data: { agent_id: org.agentId, contact_number: "+919876540030" },
    });
    expect(queued.body.status).toBe("queued");

    const set = await admin(suite, [
      "org",
      "policy",
      "set",
      "--org",
      org.orgId,
      "--calling-hours",
      "09:00-18:00",
      "--max-concurrent-calls",
      "2",
      "--dedupe-window-minutes",
      "30",
      "--retry-on",
      "no_answer,voicemail",
      "--retry-max-attempts",
      "3",
      "--retry-backoff-minutes",
      "5,30",
    ]);
    expect(set).toEqual({
      org_id: org.orgId,
      calling_hours: { start: "09:00", end: "18:00" },
      calling_hours_guard: true,
      calling_hours_guard_changed_at: null,
      max_concurrent_calls: 2,
      concurrent_calls_in_use: 0,
      dedupe_window_minutes: 30,
      default_retry: { on: ["no_answer", "voicemail"], max_attempts: 3, backoff_minutes: [5, 30] },
    });
    expect(await admin(suite, ["org", "policy", "show", "--org", org.orgId])).toEqual(set);
    expect((await a.rest("GET", "/v1/call-policy", org.key)).body).toEqual(set);

    const added = await admin(suite, ["optout", "add", "--org", org.orgId, "--number", "+91 98765 40030"]);
    expect(added).toMatchObject({
      number: "+919876540030",
      source: "cli",
      added: true,
      canceled_calls: 1,
      canceled_call_ids: [queued.body.call_id],
    });
    expect(await admin(suite, ["optout", "list", "--org", org.orgId])).toMatchObject({
      org_id: org.orgId,
      data: [{ number: "+919876540030", source: "cli" }],
      has_more: false,
    });
    expect(await admin(suite, ["optout", "remove", "--org", org.orgId, "--number", "+919876540030"])).toEqual({
      number: "+919876540030",
      removed: true,
    });
    await expect(admin(suite, ["org", "policy", "set", "--org", org.orgId, "--calling-hours", "21:00-08:00"])).rejects.toThrow(
      /exited 2/,
    );
  });
});
