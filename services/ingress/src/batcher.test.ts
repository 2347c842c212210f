import { createBatcher } from "./batcher";

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

test("Postgres unavailable fails the batch and everything waiting, at once", async () => {
  const { run, calls } = controlledRun();
  const submit = createBatcher(run, { concurrency: 1 });
  const results = [1, 2, 3].map((n) =>
    submit(n).then(
      (v) => ({ ok: v }),
      (e: Error) => ({ error: e.message }),
    ),
  );
  await flush();
  const unavailable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  calls[0]?.finish(unavailable);
  expect(await Promise.all(results)).toEqual([
    { error: unavailable.message },
    { error: unavailable.message },
    { error: unavailable.message },
  ]);
  expect(calls).toHaveLength(1);
});
