import { parseCommandLine, UsageError } from "./args";
import { COMMANDS } from "./commands";

const parse = (...argv: string[]) => parseCommandLine(COMMANDS, argv);
const usageError = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
};

describe("parseCommandLine", () => {
  it("knows every command of SPEC §4, API keys (§5), status-webhook endpoints (§6), dashboard users (§7) and demo", () => {
    expect(COMMANDS.map((c) => c.path.join(" "))).toEqual([
      "org create",
      "org show",
      "org policy show",
      "org policy set",
      "agent create",
      "token rotate",
      "apikey create",
      "apikey list",
      "apikey revoke",
      "signing enable",
      "signing disable",
      "signing rotate",
      "credits add",
      "quota set",
      "call show",
      "call cancel",
      "call delete",
      "endpoint create",
      "endpoint list",
      "endpoint update",
      "endpoint disable",
      "endpoint rotate-secret",
      "endpoint test",
      "endpoint attempts",
      "endpoint resend",
      "endpoint recover",
      "optout add",
      "optout remove",
      "optout list",
      "user create",
      "demo",
    ]);
  });

  it("resolves a command with --json, and ignores a leading -- that a runner may pass through", () => {
    const line = parse("--", "credits", "add", "--org", "org_1", "--amount=7", "--json");
    expect(line).toMatchObject({ kind: "run", json: true });
    expect(line.kind === "run" && line.command.path).toEqual(["credits", "add"]);
    expect(parse("demo")).toMatchObject({ kind: "run", json: false });
  });

  it("gives help at each level, even when other options are missing", () => {
    expect(parse("-h")).toMatchObject({ kind: "help", text: expect.stringContaining("Commands:") });
    expect(parse("org", "--help")).toMatchObject({ kind: "help", text: expect.stringContaining("pnpm admin org show --org ID") });
    expect(parse("org", "create", "--help")).toMatchObject({
      kind: "help",
      text: expect.stringContaining("--daily-quota N"),
    });
    expect(parse("demo", "--help")).toMatchObject({ kind: "help", text: expect.stringContaining("Usage: pnpm admin demo") });
  });

  it("rejects unknown commands, stray words, unknown and valueless options", () => {
    expect(usageError()).toBe("missing command (see pnpm admin --help)");
    expect(usageError("--json")).toBe("missing command (see pnpm admin --help)");
    expect(usageError("nope")).toBe('unknown command "nope" (see pnpm admin --help)');
    expect(usageError("org")).toBe('"org" needs a subcommand: create, show, policy show, policy set (see pnpm admin org --help)');
    expect(usageError("org", "delete")).toBe('unknown command "org delete" (see pnpm admin org --help)');
    expect(usageError("org", "policy")).toBe('unknown command "org policy" (see pnpm admin org --help)');
    expect(usageError("org", "policy", "drop")).toBe('unknown command "org policy drop" (see pnpm admin org --help)');
    expect(parse("org", "policy", "show", "--org", "org_1", "--json")).toMatchObject({ kind: "run", json: true });
    expect(usageError("org", "show", "org_1")).toMatch(
      /^Unexpected argument 'org_1'.*\(usage: pnpm admin org show --org ID \[--json\]\)$/,
    );
    expect(usageError("org", "show", "--org", "o", "--name", "x")).toMatch(/^Unknown option '--name'/);
    expect(usageError("org", "show", "--org")).toMatch(/^Option '--org <value>' argument missing/);
    expect(usageError("demo", "--org", "x")).toMatch(/^Unknown option '--org'/);
    expect(usageError("org", "show", "--json=yes", "--org", "o")).toMatch(/^Option '--json' does not take an argument/);
  });

  it("requires required options and refuses empty ones", () => {
    expect(usageError("quota", "set", "--org", "o")).toBe(
      "--daily is required (usage: pnpm admin quota set --org ID --daily N [--json])",
    );
    expect(usageError("agent", "create", "--org", "o", "--name", "  ")).toMatch(/^--name must not be empty/);
  });

  it("validates integers: whole, in range, non-negative (amount positive), negative numbers read as values", () => {
    expect(usageError("credits", "add", "--org", "o", "--amount", "0")).toMatch(/^--amount must be at least 1, got 0/);
    expect(usageError("credits", "add", "--org", "o", "--amount", "-4")).toMatch(/^--amount must be at least 1, got -4/);
    expect(usageError("quota", "set", "--org", "o", "--daily", "-1")).toMatch(/^--daily must be at least 0, got -1/);
    expect(usageError("quota", "set", "--org", "o", "--daily", "1e3")).toMatch(/^--daily must be a whole number \(0 or more\)/);
    expect(usageError("quota", "set", "--org", "o", "--daily", "0x10")).toMatch(/^--daily must be a whole number/);
    expect(usageError("org", "create", "--name", "n", "--credits", "2147483648")).toMatch(
      /^--credits must be at most 2147483647/,
    );
    expect(usageError("signing", "rotate", "--org", "o", "--grace-minutes", "")).toMatch(/^--grace-minutes must not be empty/);
    expect(usageError("signing", "rotate", "--org", "o", "--grace-minutes", "soon")).toMatch(
      /^--grace-minutes must be a whole number/,
    );
    expect(usageError("credits", "add", "--org", "o", "--amount", "2.5")).toMatch(
      /^--amount must be a whole number of at least 1, got "2.5"/,
    );
    expect(usageError("call", "show")).toMatch(/^--call is required/);
    expect(usageError("call", "cancel", "--call", "call_1")).toMatch(/^--org is required/);
    expect(parse("quota", "set", "--org", "o", "--daily", "0")).toMatchObject({ kind: "run" });
    expect(parse("org", "create", "--name", "n", "--credits", "2147483647", "--daily-quota", "0")).toMatchObject({ kind: "run" });
  });
});
