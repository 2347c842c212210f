import { readFileSync } from "node:fs";
import path from "node:path";

/** What global-setup started and seeded, for the specs (written to e2e/.results/stack.json). */
export interface StackState {
  ingressUrl: string;
  dashboardUrl: string;
  databaseUrl: string;
  password: string;
  /** A user of the "other" organisation with no password yet, and its one-time set-password token. */
  invite: { email: string; token: string };
  orgs: Record<
    "inbound" | "calls" | "other" | "throttled" | "hooks" | "orders",
    { orgId: string; token: string; agentId: string; email: string; queuedCallId: string }
  >;
}

export const STATE_FILE = path.join(__dirname, ".results", "stack.json");

export function stack(): StackState {
  return JSON.parse(readFileSync(STATE_FILE, "utf8")) as StackState;
}
