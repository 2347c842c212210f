import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildSpec {
  /** Prefix of the child's output lines: "[name] …". */
  name: string;
  /** Arguments for `node`, e.g. ["--import", "tsx", "services/ingress/src/main.ts"]. */
  args: string[];
}

export interface SupervisorOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives every output line, already prefixed. */
  write(line: string, stream: "stdout" | "stderr"): void;
  /** How long the children get after SIGTERM before they are killed. */
  stopTimeoutMs: number;
}

export interface Supervisor {
  pids: Record<string, number | undefined>;
  /** SIGTERM to every child (a second call kills them). */
  stop(reason: string): void;
  /** Resolves with the exit code for the supervisor: 0 after a clean stop, 1 otherwise. */
  done: Promise<number>;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Runs the children side by side with prefixed output. A stop (signal) sends SIGTERM to each and waits;
 * a child that exits by itself brings the others down and the run fails.
 */
export function supervise(specs: ChildSpec[], options: SupervisorOptions): Supervisor {
  const log = (line: string) => options.write(`[start] ${line}`, "stdout");
  let stopping = false;
  let failed = false;
  let killTimer: NodeJS.Timeout | undefined;

  const children = specs.map((spec) => {
    // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which sends each child
    // exactly one SIGTERM (a second signal means "exit now" to the services).
    const child = spawn(process.execPath, spec.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    for (const [stream, name] of [
      [child.stdout, "stdout"],
      [child.stderr, "stderr"],
    ] as const) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
        options.write(`[${spec.name}] ${line}`, name),
      );
    }
    const exited = new Promise<Exit>((resolve) => {
      child.on("error", (error) => {
        log(`${spec.name} could not start: ${error.message}`);
        resolve({ code: 1, signal: null });
      });
      // "close": after the output streams ended, so the last lines are printed before we report.
      child.on("close", (code, signal) => resolve({ code, signal }));
    });
    void exited.then((exit) => {
      const clean = exit.code === 0 || (stopping && exit.signal === "SIGTERM");
      if (!stopping) {
        failed = true;
        log(`${spec.name} exited (${describe(exit)}); stopping the others`);
        stop();
      } else if (!clean) {
        failed = true;
        log(`${spec.name} exited (${describe(exit)})`);
      }
    });
    return { spec, child, exited };
  });

  function signal(child: ChildProcess, name: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is already gone.
    }
  }

  function stop(reason?: string): void {
    if (stopping) {
      if (reason) {
        log(`${reason} again: killing`);
        for (const { child } of children) signal(child, "SIGKILL");
      }
      return;
    }
    stopping = true;
    if (reason) log(`${reason}: stopping ${children.map((c) => c.spec.name).join(" and ")}`);
    for (const { child } of children) signal(child, "SIGTERM");
    killTimer = setTimeout(() => {
      failed = true;
      log(`still running after ${options.stopTimeoutMs} ms: killing`);
      for (const { child } of children) signal(child, "SIGKILL");
    }, options.stopTimeoutMs);
  }

  // Children run in their own process groups: never leave them behind, even if this process crashes.
  const killAll = () => {
    for (const { child } of children) signal(child, "SIGKILL");
  };
  process.once("exit", killAll);

  const done = Promise.all(children.map((c) => c.exited)).then(() => {
    clearTimeout(killTimer);
    process.removeListener("exit", killAll);
    return failed ? 1 : 0;
  });

  return {
    pids: Object.fromEntries(children.map((c) => [c.spec.name, c.child.pid])),
    stop: (reason: string) => stop(reason),
    done,
  };
}

function describe(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
