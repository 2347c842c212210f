import { ConfigError } from "@inbound/config";
import { NotFoundError } from "@inbound/db";
import { UsageError } from "./args";
import { describeError, EXIT_FAILURE, EXIT_USAGE, maskPassword } from "./errors";

const URL_WITH_PASSWORD = "postgresql://app:s3cret@db.internal:5432/inbound";

/** The shape Prisma gives a failed query: the caller's source first, the reason last, the cause in meta. */
function prismaError(code: string, reason: string, driverCause?: Record<string, unknown>): Error {
  const error = new Error(
    `\nInvalid \`prisma.organization.findUnique()\` invocation in\n/app/x.ts:3:1\n\n→ 3 prisma…\n${reason}`,
  );
  error.name = "PrismaClientKnownRequestError";
  Object.assign(error, { code, meta: { driverAdapterError: { cause: driverCause } } });
  return error;
}

describe("describeError", () => {
  it("maps usage errors to exit 2 and everything else to exit 1", () => {
    expect(describeError(new UsageError("--org is required"), undefined)).toEqual({
      exitCode: EXIT_USAGE,
      message: "--org is required",
    });
    expect(describeError(new NotFoundError("call", "call_1"), URL_WITH_PASSWORD)).toEqual({
      exitCode: EXIT_FAILURE,
      message: "call call_1 not found",
    });
    const config = describeError(new ConfigError([{ variable: "DATABASE_URL", message: "Invalid URL" }]), undefined);
    expect(config).toEqual({ exitCode: EXIT_FAILURE, message: "Invalid configuration: DATABASE_URL Invalid URL" });
  });

  it("names DATABASE_URL, masks its password and keeps to one line for database problems", () => {
    const cases: [unknown, RegExp][] = [
      [
        prismaError("P1001", "Can't reach database server at db.internal:5432"),
        /^cannot reach Postgres at DATABASE_URL=postgresql:\/\/app:\*\*\*@db\.internal:5432\/inbound \(Can't reach database server at db\.internal:5432\)/,
      ],
      [
        Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432"), { code: "ECONNREFUSED" }),
        /^cannot reach Postgres at DATABASE_URL=/,
      ],
      [new Error("Connection terminated due to connection timeout"), /^cannot reach Postgres at DATABASE_URL=/],
      [
        prismaError("P1000", "Authentication failed against the database server"),
        /refused the connection: Authentication failed/,
      ],
      [
        prismaError("P1003", "Database `inbound` does not exist on the database server"),
        /refused the connection: Database `inbound` does not exist/,
      ],
      [
        prismaError("P2021", "The table `public.organizations` does not exist in the current database."),
        /is not migrated: run `pnpm db:migrate`$/,
      ],
    ];
    for (const [error, expected] of cases) {
      const { exitCode, message } = describeError(error, URL_WITH_PASSWORD);
      expect(exitCode).toBe(EXIT_FAILURE);
      expect(message).toMatch(expected);
      expect(message).not.toContain("s3cret");
      expect(message).not.toContain("\n");
      expect(message).not.toContain("x.ts");
    }
  });

  it("falls back to the error's first line for anything else", () => {
    expect(describeError(new Error("signature verification is off\n    at foo (x.ts:1:1)"), undefined)).toEqual({
      exitCode: EXIT_FAILURE,
      message: "signature verification is off",
    });
    expect(describeError("weird", undefined)).toEqual({ exitCode: EXIT_FAILURE, message: "weird" });
  });
});

describe("maskPassword", () => {
  it("masks only the password", () => {
    expect(maskPassword(URL_WITH_PASSWORD)).toBe("postgresql://app:***@db.internal:5432/inbound");
    expect(maskPassword("postgresql://app@db/inbound")).toBe("postgresql://app@db/inbound");
    expect(maskPassword("::nonsense")).toBe("(unparsable URL)");
  });
});
