import type { CallUseCaseDeps } from "@inbound/calls";
import type { Config } from "@inbound/config";
import type { PrismaClient } from "@inbound/db";
import type { SecretBox } from "@inbound/security";
import type { OrgChangeNotifier } from "./org-changes";

/** What a command needs at run time; created in main.ts once the arguments are known to be valid. */
export interface CommandContext {
  config: Config;
  prisma: PrismaClient;
  secretBox: SecretBox;
  /** Applies a change of an organisation's token, signing or quota and tells the ingress replicas. */
  ingress: Pick<OrgChangeNotifier, "apply" | "revoke">;
  /**
   * @inbound/calls' dependencies (the call queues on a Redis connection opened on first use, closed with the
   * command) and the warnings its use cases logged, for the command's `admin: warning:` line.
   */
  calls(): { deps: CallUseCaseDeps; warnings: string[] };
}

/** Every command prints exactly one JSON object with --json, or `text` for a person. */
export interface CommandOutput {
  json: Record<string, unknown>;
  text: string;
  /** The command completed, with something the operator must know (written to stderr as `admin: warning: …`). */
  warning?: string;
}

export interface OptionSpec {
  /** Placeholder shown in help, e.g. ID or N. */
  value: string;
  description: string;
  required?: boolean;
}

/** Raw option values as parsed from the command line (all command options take a value). */
export type OptionValues = Record<string, string | undefined>;

export type CommandRun = (context: CommandContext) => Promise<CommandOutput>;

export interface Command {
  /** ["org", "create"], or ["demo"] for a command without a subcommand. */
  path: string[];
  summary: string;
  options: Record<string, OptionSpec>;
  /** Validates the options (throws UsageError) before any configuration or database is touched. */
  prepare(values: OptionValues): CommandRun;
}
