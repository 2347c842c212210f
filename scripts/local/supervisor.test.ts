import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eventually } from "@inbound/testing";
import { type ChildSpec, supervise } from "./supervisor";

// Tiny stand-in services: each prints "<name> ready" once its signal handlers are in place.
const dir = mkdtempSync(path.join(tmpdir(), "supervisor-"));
function fixture(name: string, body: string): ChildSpec {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(
    file,
    `const name = ${JSON.stringify(name)};\n${body}\nconsole.log(name + " ready");\nsetInterval(() => {}, 1000);\n`,
  );
  return { name, args: [file] };
}

const wellBehaved = (name: string) =>
  fixture(
    name,
    `let signals = 0;
     console.error(name + " says something on stderr");
     const onSignal = (signal) => {
       signals++;
       console.log(name + " got " + signal);
       setTimeout(() => { console.log(name + " exiting after " + signals + " signal(s)"); process.exit(0); }, 300);
     };
     process.on("SIGTERM", onSignal);
     process.on("SIGINT", onSignal);`,
  );

function run(specs: ChildSpec[], stopTimeoutMs = 10_000) {
  const lines: { line: string; stream: string }[] = [];
  const supervisor = supervise(specs, {
    cwd: dir,
    env: process.env,
    write: (line, stream) => lines.push({ line, stream }),
    stopTimeoutMs,
  });
  const text = () => lines.map((l) => l.line).join("\n");
  const waitFor = (pattern: RegExp) => eventually(() => pattern.test(text()), 20_000);
  return { supervisor, lines, text, waitFor };
}

test("output is prefixed per child and stream; a stop sends each child one SIGTERM and ends with 0", async () => {
  const { supervisor, lines, text, waitFor } = run([wellBehaved("alpha"), wellBehaved("beta")]);
  await waitFor(/\[alpha\] alpha ready/);
  await waitFor(/\[beta\] beta ready/);
  expect(lines).toContainEqual({ line: "[beta] beta says something on stderr", stream: "stderr" });

  supervisor.stop("SIGINT");
  expect(await supervisor.done).toBe(0);
  expect(text()).toContain("[alpha] alpha got SIGTERM");
  expect(text()).toContain("[alpha] alpha exiting after 1 signal(s)");
  expect(text()).toContain("[beta] beta exiting after 1 signal(s)");
  expect(text()).toContain("[start] SIGINT: stopping alpha and beta");
});

test("a child that dies brings the other down and the run fails", async () => {
  const crasher = fixture("crasher", `process.on("SIGUSR2", () => { console.log("crashing"); process.exit(3); });`);
  const { supervisor, text, waitFor } = run([crasher, wellBehaved("survivor")]);
  await waitFor(/crasher ready/);
  await waitFor(/survivor ready/);

  process.kill(supervisor.pids.crasher!, "SIGUSR2");
  expect(await supervisor.done).toBe(1);
  expect(text()).toContain("[start] crasher exited (code 3); stopping the others");
  expect(text()).toContain("[survivor] survivor exiting after 1 signal(s)");
});

test("a child that ignores SIGTERM is killed after the deadline and the run fails", async () => {
  const stubborn = fixture("stubborn", `process.on("SIGTERM", () => console.log("not stopping"));`);
  const { supervisor, text, waitFor } = run([stubborn], 1000);
  await waitFor(/stubborn ready/);

  supervisor.stop("SIGTERM");
  expect(await supervisor.done).toBe(1);
  expect(text()).toContain("[stubborn] not stopping");
  expect(text()).toContain("still running after 1000 ms: killing");
});
