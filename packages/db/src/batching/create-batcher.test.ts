import { BatcherFullError, createBatcher } from "./create-batcher";

// Dialer-style defaults (maxBatch 100, concurrency 1, only the failed batch fails when Postgres is down).

function recorder(fail: (items: number[]) => Error | null = () => null) {
  const statements: number[][] = [];
  const run = async (items: number[]) => {
    statements.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const error = fail(items);
    if (error) throw error;
    return items.map((n) => n * 10);
  };
  return { statements, run };
}

test("alone an item goes at once; items arriving meanwhile go together in one statement, each gets its own result", async () => {
  const { statements, run } = recorder();
  const submit = createBatcher(run, { maxBatch: 3 });
  const results = await Promise.all([1, 2, 3, 4, 5, 6].map(submit));
  expect(results).toEqual([10, 20, 30, 40, 50, 60]);
  expect(statements).toEqual([[1], [2, 3, 4], [5, 6]]);
});

test("an item the statement refuses fails alone: the others of its batch go again one by one", async () => {
  const { statements, run } = recorder((items) => (items.includes(3) ? new Error("check constraint") : null));
  const submit = createBatcher(run);
  const results = await Promise.allSettled([1, 2, 3, 4].map(submit));
  expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
    10,
    20,
    "check constraint",
    40,
  ]);
  expect(statements).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
});

test("Postgres unreachable: the whole batch fails at once (no retry one by one)", async () => {
  const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const { statements, run } = recorder(() => down);
  const submit = createBatcher(run);
  const results = await Promise.allSettled([1, 2, 3].map(submit));
  expect(results.every((r) => r.status === "rejected" && r.reason === down)).toBe(true);
  expect(statements).toEqual([[1], [2, 3]]);
});

// Ingress-style settings: explicit concurrency, and everything waiting fails with an unavailable Postgres.

/** A `run` whose statements finish only when the test says so. */
function controlledRun() {
  const calls: { inputs: number[]; finish(error?: Error): void }[] = [];
  const run = (inputs: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({
        inputs: [...inputs],
        finish: (error) => (error ? reject(error) : resolve(inputs.map((n) => n * 10))),
      });
    });
  return { run, calls };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test("an input goes at once when nothing is in flight; what arrives meanwhile goes together in the next statement", async () => {
  const { run, calls } = controlledRun();
  const submit = createBatcher(run, { concurrency: 1, maxBatch: 3 });
  const results = [1, 2, 3, 4, 5].map((n) => submit(n));
  await flush();
  expect(calls.map((c) => c.inputs)).toEqual([[1]]);
  calls[0]?.finish();
  await flush();
  expect(calls.map((c) => c.inputs)).toEqual([[1], [2, 3, 4]]);
  calls[1]?.finish();
  await flush();
  calls[2]?.finish();
  expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
  expect(calls.map((c) => c.inputs)).toEqual([[1], [2, 3, 4], [5]]);
});

test("up to `concurrency` statements run at once", async () => {
  const { run, calls } = controlledRun();
  const submit = createBatcher(run, { concurrency: 2 });
  const results = [1, 2, 3, 4].map((n) => submit(n));
  await flush();
  expect(calls.map((c) => c.inputs)).toEqual([[1], [2]]);
  calls[1]?.finish();
  await flush();
  expect(calls.map((c) => c.inputs)).toEqual([[1], [2], [3, 4]]);
  calls[0]?.finish();
  calls[2]?.finish();
  expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
});

test("a failed batch runs its inputs again one by one: only the input that fails on its own fails", async () => {
  const run = async (inputs: readonly number[]) => {
    if (inputs.includes(13)) throw new Error("Postgres refuses 13");
    return inputs.map((n) => n * 10);
  };
  const submit = createBatcher(run, { concurrency: 1 });
  const [first, ...rest] = [1, 12, 13, 14].map((n) =>
    submit(n).then(
      (v) => ({ ok: v }),
      (e: Error) => ({ error: e.message }),
    ),
  );
  expect(await first).toEqual({ ok: 10 });
  expect(await Promise.all(rest)).toEqual([{ ok: 120 }, { error: "Postgres refuses 13" }, { ok: 140 }]);
});

test("Postgres unavailable fails the batch and everything waiting, at once; the waiting ones say their statement never ran", async () => {
  const { run, calls } = controlledRun();
  const submit = createBatcher(run, { concurrency: 1, failWaitingWhenUnavailable: true });
  const results = [1, 2, 3].map((n) =>
    submit(n).then(
      (v) => ({ ok: v }),
      (e: Error) => ({ error: e.message }),
    ),
  );
  await flush();
  const unavailable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  calls[0]?.finish(unavailable);
  const notSent = "not sent: Postgres was unavailable for the batch ahead";
  expect(await Promise.all(results)).toEqual([{ error: unavailable.message }, { error: notSent }, { error: notSent }]);
  expect(calls).toHaveLength(1);
});

test("bounded: past maxWaiting an item is refused at once with BatcherFullError, nothing run for it; room comes back as batches finish", async () => {
  const { run, calls } = controlledRun();
  const submit = createBatcher(run, { maxBatch: 2, concurrency: 1, maxWaiting: 3 });
  const first = submit(1); // in flight
  await flush();
  const waiting = [2, 3, 4].map(submit); // waiting: 3, the bound
  const refused = submit(5);
  await expect(refused).rejects.toBeInstanceOf(BatcherFullError);
  await expect(refused).rejects.toMatchObject({ name: "BatcherFullError", maxWaiting: 3 });
  expect(calls.map((c) => c.inputs)).toEqual([[1]]);

  calls[0]?.finish();
  expect(await first).toBe(10);
  await flush();
  // [2, 3] went in flight; [4] waits: there is room again.
  const later = submit(6);
  calls[1]?.finish();
  await flush();
  calls[2]?.finish();
  expect(await Promise.all([...waiting, later])).toEqual([20, 30, 40, 60]);
  expect(calls.map((c) => c.inputs)).toEqual([[1], [2, 3], [4, 6]]);
});
