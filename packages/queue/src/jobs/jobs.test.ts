import { UnrecoverableError } from "bullmq";
import { callJob } from "./call-job";
import { purgeJob } from "./purge-job";

describe("callJob", () => {
  test("stores the organisation only; the call id is the job id; parse reads back what was stored", () => {
    const job = { callId: "call_abc123", orgId: "org_xyz" };
    expect(callJob.data(job)).toEqual({ orgId: "org_xyz" });
    expect(callJob.options(job.callId)).toEqual({ jobId: "call_abc123" });
    expect(callJob.parse({ id: callJob.id(job.callId), data: callJob.data(job) })).toEqual(job);
  });

  test.each([
    ["no id", { data: { orgId: "org_1" } }],
    ["empty id", { id: "", data: { orgId: "org_1" } }],
    ["no data", { id: "call_1", data: null }],
    ["no orgId", { id: "call_1", data: {} }],
    ["an orgId that is no id", { id: "call_1", data: { orgId: "+49 151 1234567" } }],
  ])("%s: UnrecoverableError naming the field only", (_why, stored) => {
    const error = (() => {
      try {
        callJob.parse(stored as { id?: string; data: unknown });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).not.toContain("151");
  });
});

describe("purgeJob", () => {
  test("id, options, payload and parse", () => {
    const job = { callId: "call_abc", orgId: "org_1" };
    expect(purgeJob.id(job.callId)).toBe("purge-call_abc");
    expect(purgeJob.options(job.callId, 4)).toMatchObject({ jobId: "purge-call_abc", attempts: 4 });
    expect(purgeJob.data({ ...job, extra: "x" } as typeof job)).toEqual(job);
    expect(purgeJob.parse({ data: job })).toEqual(job);
    expect(() => purgeJob.parse({ data: { orgId: "org_1" } })).toThrow(UnrecoverableError);
    expect(() => purgeJob.parse({ data: "call_abc" })).toThrow(UnrecoverableError);
  });
});
