import { causeCode, maskUrlPassword as maskPassword } from "@inbound/logging";
import { ConfigError } from "@inbound/config";
import { ApiError } from "@inbound/contracts";
import { isDatabaseUnavailable, NotFoundError } from "@inbound/db";
import { UsageError } from "./args";
import { IngressUnreachableError } from "./org-changes";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Postgres (and Prisma) codes meaning "DATABASE_URL names something wrong": bad credentials, no such database. */
const DATABASE_URL_CODES = new Set(["28P01", "28000", "3D000", "P1000", "P1003"]);
const NOT_MIGRATED_CODES = new Set(["42P01", "P2021"]);

/** Maps any error to an exit code and ONE line for stderr: no stack, no secret (the URL's password is masked). */
export function describeError(error: unknown, databaseUrl: string | undefined): { exitCode: number; message: string } {
  if (error instanceof UsageError) return { exitCode: EXIT_USAGE, message: error.message };
  if (error instanceof ConfigError) return { exitCode: EXIT_FAILURE, message: error.message };
  if (error instanceof NotFoundError) return { exitCode: EXIT_FAILURE, message: error.message };
  // A use case's refusal (SPEC §2's codes): its message and stable code; a 400 is a usage error.
  if (error instanceof ApiError) {
    return { exitCode: error.status === 400 ? EXIT_USAGE : EXIT_FAILURE, message: `${error.message} (${error.code})` };
  }
  if (error instanceof IngressUnreachableError) return { exitCode: EXIT_FAILURE, message: error.message };
  const where = `DATABASE_URL=${databaseUrl ? maskPassword(databaseUrl) : "(unset)"}`;
  const code = causeCode(error);
  const reason = summary(error);
  if (code && DATABASE_URL_CODES.has(code)) {
    return { exitCode: EXIT_FAILURE, message: `Postgres at ${where} refused the connection: ${reason}` };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      exitCode: EXIT_FAILURE,
      message: `cannot reach Postgres at ${where} (${reason}): start Postgres or fix DATABASE_URL`,
    };
  }
  if (code && NOT_MIGRATED_CODES.has(code)) {
    return {
      exitCode: EXIT_FAILURE,
      message: `the database at ${where} is not migrated: run \`${process.env.ADMIN_HINTS === "compose" ? "docker compose run --rm migrate" : "pnpm db:migrate"}\``,
    };
  }
  return { exitCode: EXIT_FAILURE, message: reason };
}

/**
 * One line saying what went wrong. Prisma's messages start with the calling source code and end with the
 * reason, so their last line is taken; other errors lead with the reason.
 */
function summary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const isPrisma = error instanceof Error && error.name.startsWith("PrismaClient");
  return (isPrisma ? lines.at(-1) : lines[0]) ?? "unknown error";
}

export { maskPassword };
