import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startProcess, type ServiceProcess } from "@inbound/testing";

export const BENCH_DIR = path.resolve(__dirname, "..");

export async function startService(
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<ServiceProcess & { port: number }> {
  const proc = startProcess(entry, env);
  const line = await proc.waitFor(ready, 60_000);
  const port = Number(line.match(/(\d+)\s*$/)?.[1] ?? 0);
  return Object.assign(proc, { port });
}

/** Resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, { count: number }>;
}

/** Runs autocannon in its own process (bench/lib/load.ts), bounded by durationSeconds. */
export function runLoad(spec: {
  url: string;
  connections: number;
  durationSeconds: number;
  tokens: string[];
  agentIds: string[];
  signingSecrets?: string[];
  mode?: "webhook" | "rest-create" | "get";
  apiKey?: string;
  paths?: string[];
  extraData?: Record<string, unknown>;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "lib/load.ts"), JSON.stringify(spec)], {
      cwd: path.resolve(BENCH_DIR, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), (spec.durationSeconds + 30) * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop() as string) as LoadResult);
    });
  });
}

/** The services run as production does: the esbuild bundles of `pnpm build`, on plain Node. */
export const INGRESS_ENTRY = "services/ingress/dist/main.js";
export const DIALER_ENTRY = "services/dialer/dist/main.js";
export const WEBHOOKS_ENTRY = "services/webhooks/dist/main.js";

/**
 * Builds the bundles. In an image their npm dependencies sit in one flat node_modules; here pnpm's
 * hoisted store (node_modules/.pnpm/node_modules) plays that part, through NODE_PATH.
 */
export function buildBundles(): Record<string, string> {
  execFileSync(process.execPath, [path.join(BENCH_DIR, "../scripts/build.js")], { stdio: "ignore" });
  return { NODE_PATH: path.resolve(BENCH_DIR, "../node_modules/.pnpm/node_modules") };
}

/**
 * Bundles a bench baseline (bench/<name>.ts) like the services' bundles (esbuild, npm packages external,
 * resolved through NODE_PATH), so a baseline runs on plain Node with the same flags as the service it is
 * compared with, not through a TypeScript loader. Returns the entry to give startService.
 */
export function buildBaseline(name: string): string {
  const outfile = `bench/dist/${name}.js`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  esbuild.buildSync({
    absWorkingDir: path.resolve(BENCH_DIR, ".."),
    entryPoints: [`bench/${name}.ts`],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    packages: "external",
    logLevel: "warning",
  });
  return outfile;
}
