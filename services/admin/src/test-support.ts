import type { PrismaClient } from "@inbound/db";
import { startProcess } from "@inbound/testing";

export interface AdminRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit. */
  ms: number;
}

/** Runs the real CLI (`pnpm admin …` is `tsx services/admin/src/main.ts …`) as its own process. */
export async function runAdmin(env: Record<string, string>, args: string[]): Promise<AdminRun> {
  const started = Date.now();
  const proc = startProcess("services/admin/src/main.ts", env, args);
  let stdout = "";
  let stderr = "";
  proc.child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  proc.child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const { code } = await proc.exited;
  return { code, stdout, stderr, ms: Date.now() - started };
}

/** A successful --json run: exit 0, nothing on stderr, exactly one JSON object (one line) on stdout. */
export function expectJson<T = Record<string, unknown>>(run: AdminRun): T {
  if (run.code !== 0 || run.stderr !== "") {
    throw new Error(`admin exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  if (lines.length !== 1) throw new Error(`expected one line of JSON on stdout, got:\n${run.stdout}`);
  const value: unknown = JSON.parse(lines[0]!);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${lines[0]}`);
  return value as T;
}

/** A failed run: the given exit code, nothing on stdout, ONE `admin: …` line on stderr; returns the message. */
export function expectFailure(run: AdminRun, exitCode: number): string {
  if (run.code !== exitCode || run.stdout !== "" || !/^admin: [^\n]+\n$/.test(run.stderr)) {
    throw new Error(
      `expected exit ${exitCode} with one admin: line\ncode: ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
    );
  }
  return run.stderr.slice("admin: ".length).trimEnd();
}

/** How many rows of a table hold `needle` anywhere in their text form (to prove a secret is not stored). */
export async function rowsContaining(
  prisma: PrismaClient,
  table: "webhook_tokens" | "signing_secrets" | "organizations" | "api_keys",
  needle: string,
): Promise<number> {
  const rows = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(*) AS n FROM ${table} t WHERE position($1 in t::text) > 0`,
    needle,
  );
  return Number(rows[0]?.n ?? 0);
}
