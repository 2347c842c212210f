import { perCallLogger } from "./context";
import { captureLogger } from "./test-support/fixtures";

test("the per-call logger still redacts every sensitive key of a line (its lines are flat: ids, states, codes)", () => {
  const log = captureLogger();
  perCallLogger(log.logger).info(
    { callId: "call_1", contactNumber: "+14155552671", contact_name: "Priya", transcript: "hello", token: "t0ken" },
    "call transition",
  );
  expect(log.lines()).toEqual([
    expect.objectContaining({
      callId: "call_1",
      contactNumber: "[redacted]",
      contact_name: "[redacted]",
      transcript: "[redacted]",
      token: "[redacted]",
    }),
  ]);
  for (const secret of ["4155552671", "Priya", "hello", "t0ken"]) expect(log.text()).not.toContain(secret);
});
