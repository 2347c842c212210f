import { createBatcher } from "./batcher";

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
