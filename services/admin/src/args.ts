import { parseArgs } from "node:util";
import type { Command, CommandRun, OptionValues } from "./command";

/** Bad or missing arguments: exit code 2, with a hint at the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type CommandLine = { kind: "help"; text: string } | { kind: "run"; command: Command; run: CommandRun; json: boolean };

/** How the operator runs this CLI: from the repo, or in the compose stack's migrate container (ADMIN_HINTS=compose). */
const PROGRAM = process.env.ADMIN_HINTS === "compose" ? "docker compose run --rm migrate admin" : "pnpm admin";
const INT_MAX = 2_147_483_647; // Postgres integer columns

/** Splits argv into a command and its validated options (strict: unknown options and stray words are errors). */
export function parseCommandLine(commands: readonly Command[], argv: readonly string[]): CommandLine {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const group = args[0];
  if (group === undefined || group.startsWith("-")) {
    const globals = parseOrThrow(args, {}, `${PROGRAM} --help`);
    if (globals.help) return { kind: "help", text: topHelp(commands) };
    throw new UsageError(`missing command (see ${PROGRAM} --help)`);
  }
  const inGroup = commands.filter((c) => c.path[0] === group);
  if (inGroup.length === 0) throw new UsageError(`unknown command "${group}" (see ${PROGRAM} --help)`);

  let command = inGroup.find((c) => c.path.length === 1);
  let rest = args.slice(1);
  if (!command) {
    const sub = args[1];
    if (sub === undefined || sub.startsWith("-")) {
      const globals = parseOrThrow(rest, {}, `${PROGRAM} ${group} --help`);
      if (globals.help) return { kind: "help", text: groupHelp(group, inGroup) };
      throw new UsageError(
        `"${group}" needs a subcommand: ${inGroup.map((c) => c.path.slice(1).join(" ")).join(", ")} (see ${PROGRAM} ${group} --help)`,
      );
    }
    // Two words (`org show`) or three (`org policy set`).
    command = inGroup.find((c) => c.path[1] === sub && (c.path.length === 2 || c.path[2] === args[2]));
    if (!command) {
      const shown = [sub, args[2]].filter((w) => w !== undefined && !w.startsWith("-")).join(" ");
      throw new UsageError(`unknown command "${group} ${shown}" (see ${PROGRAM} ${group} --help)`);
    }
    rest = args.slice(command.path.length);
  }

  const usage = usageLine(command);
  const values = parseOrThrow(rest, Object.fromEntries(Object.keys(command.options).map((name) => [name, "string"])), usage);
  if (values.help) return { kind: "help", text: commandHelp(command) };
  const optionValues: OptionValues = {};
  for (const [name, spec] of Object.entries(command.options)) {
    const value = values[name];
    if (typeof value === "string") {
      if (value.trim() === "") throw new UsageError(`--${name} must not be empty (usage: ${usage})`);
      optionValues[name] = value;
    } else if (spec.required) {
      throw new UsageError(`--${name} is required (usage: ${usage})`);
    }
  }
  try {
    return { kind: "run", command, run: command.prepare(optionValues), json: values.json === true };
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message} (usage: ${usage})`);
    throw error;
  }
}

function parseOrThrow(args: string[], commandOptions: Record<string, "string">, usage: string) {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  };
  for (const [name, type] of Object.entries(commandOptions)) options[name] = { type };
  // parseArgs reads `--amount -5` as a missing value followed by an option; join them so the range check answers.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.startsWith("--") && commandOptions[arg.slice(2)] && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // node:util's messages are clear but some span lines; the CLI promises one line.
    const text = (error as { message?: unknown }).message;
    const message = typeof text === "string" ? (text.split("\n")[0] ?? text) : String(error);
    throw new UsageError(`${message} (usage: ${usage})`);
  }
}

/** A whole number in [min, 2^31-1]; the option name goes into the error. */
export function parseInteger(name: string, raw: string, min: number): number {
  if (/^-0*[1-9]\d*$/.test(raw.trim())) throw new UsageError(`--${name} must be at least ${min}, got ${raw.trim()}`);
  if (!/^\d+$/.test(raw.trim())) {
    throw new UsageError(`--${name} must be a whole number${min > 0 ? ` of at least ${min}` : " (0 or more)"}, got "${raw}"`);
  }
  const value = Number(raw.trim());
  if (value < min) throw new UsageError(`--${name} must be at least ${min}, got ${value}`);
  if (value > INT_MAX) throw new UsageError(`--${name} must be at most ${INT_MAX}, got ${raw.trim()}`);
  return value;
}

export function optionalInteger(values: OptionValues, name: string, min: number): number | undefined {
  const raw = values[name];
  return raw === undefined ? undefined : parseInteger(name, raw, min);
}

/** A required option, already checked present by parseCommandLine. */
export function required(values: OptionValues, name: string): string {
  const value = values[name];
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value.trim();
}

function usageLine(command: Command): string {
  const parts = Object.entries(command.options).map(([name, spec]) =>
    spec.required ? `--${name} ${spec.value}` : `[--${name} ${spec.value}]`,
  );
  return [PROGRAM, ...command.path, ...parts, "[--json]"].join(" ");
}

function topHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => usageLine(c).length));
  return [
    `Usage: ${PROGRAM} <command> [options] [--json]`,
    "",
    "Administers organisations, agents, webhook tokens, API keys, signing secrets, credits and quotas, and shows calls.",
    "With --json, prints exactly one JSON object on stdout; errors are one line on stderr (exit 2: usage, 1: failure).",
    "Configuration comes from the environment (DATABASE_URL, SECRETS_KEY, PUBLIC_BASE_URL, ...).",
    "",
    "Commands:",
    ...commands.map((c) => `  ${usageLine(c).padEnd(width)}  ${c.summary}`),
    "",
    `Run "${PROGRAM} <command> --help" for a command's options.`,
  ].join("\n");
}

function groupHelp(group: string, commands: readonly Command[]): string {
  return [
    `Usage: ${PROGRAM} ${group} <${commands.map((c) => c.path.slice(1).join(" ")).join("|")}> [options] [--json]`,
    "",
    ...commands.map((c) => `  ${usageLine(c)}\n      ${c.summary}`),
  ].join("\n");
}

function commandHelp(command: Command): string {
  const options = Object.entries(command.options).map(
    ([name, spec]) => `  --${`${name} ${spec.value}`.padEnd(22)} ${spec.description}${spec.required ? " (required)" : ""}`,
  );
  return [
    `Usage: ${usageLine(command)}`,
    "",
    command.summary,
    "",
    "Options:",
    ...options,
    `  ${"--json".padEnd(24)} print one JSON object instead of text`,
    `  ${"-h, --help".padEnd(24)} show this help`,
  ].join("\n");
}
