import { causeCode, errorChain, errorCode } from "./errors";
import { probeReadiness, readinessReply } from "./readiness";
import { within, withTimeout } from "./timeouts";

describe("errors", () => {
  test("errorChain walks cause and Prisma's driverAdapterError, bounded on a cycle", () => {
    const pg = Object.assign(new Error("pg"), { code: "57P01" });
    const prisma = Object.assign(new Error("prisma"), { meta: { driverAdapterError: pg } });
    const outer = new Error("outer", { cause: prisma });
    expect([...errorChain(outer)]).toEqual([outer, prisma, pg]);
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    expect([...errorChain(cyclic, 4)]).toHaveLength(4);
    expect([...errorChain(undefined)]).toEqual([]);
  });

  test("errorCode: own code, else name; causeCode: the first code down the chain", () => {
    expect(errorCode(Object.assign(new Error("secret +4915"), { code: "ECONNREFUSED" }))).toBe("ECONNREFUSED");
    expect(errorCode(new TypeError("secret"))).toBe("TypeError");
    expect(errorCode("text")).toBe("unknown_error");
    const wrapped = new Error("x", { cause: Object.assign(new Error("y"), { code: "" }, { cause: { code: "42P01" } }) });
    expect(causeCode(wrapped)).toBe("42P01");
    expect(causeCode(new Error("none"))).toBeUndefined();
  });
});

describe("timeouts", () => {
  test("withTimeout passes a result through, rejects a hung promise with TimeoutError or the given error", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 10)).rejects.toMatchObject({ name: "TimeoutError" });
    await expect(withTimeout(new Promise(() => undefined), 10, () => new RangeError("late"))).rejects.toThrow(RangeError);
    await expect(withTimeout(Promise.reject(new Error("own")), 1000)).rejects.toThrow("own");
  });

  test("within: true once settled either way, false when still running", async () => {
    expect(await within(Promise.resolve(), 1000)).toBe(true);
    expect(await within(Promise.reject(new Error("x")), 1000)).toBe(true);
    expect(await within(new Promise(() => undefined), 10)).toBe(false);
  });
});

describe("readiness", () => {
  test("probeReadiness: answered, failed and hung probes", async () => {
    const checks = await probeReadiness(
      {
        postgres: async () => 1,
        redis: () => new Promise(() => undefined),
        queue: async () => Promise.reject(new Error("down")),
      },
      20,
    );
    expect(checks).toEqual({ postgres: true, redis: false, queue: false });
  });

  test("readinessReply: 200 ready, or ONE 503 body naming the failed checks, with Retry-After", () => {
    expect(readinessReply({ postgres: true, redis: true })).toEqual({
      statusCode: 200,
      headers: {},
      body: { status: "ready", checks: { postgres: true, redis: true } },
    });
    expect(readinessReply({ postgres: false, redis: false })).toEqual({
      statusCode: 503,
      headers: { "Retry-After": "5" },
      body: {
        success: false,
        error: { code: "service_unavailable", message: "Not ready: postgres and redis unavailable." },
        checks: { postgres: false, redis: false },
      },
    });
    expect(readinessReply(null)).toMatchObject({ statusCode: 503, body: { checks: {}, error: { code: "service_unavailable" } } });
  });
});
