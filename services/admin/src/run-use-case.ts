import { ApiError } from "@inbound/contracts";
import { UsageError } from "./args";

/**
 * Runs a shared use case for a command: its refusal (ApiError) becomes one admin: line with its message; a
 * 400 is a usage error (exit 2). Anything else is left to describeError.
 */
export async function runUseCase<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 400) throw new UsageError(error.message);
      throw new Error(error.message);
    }
    throw error;
  }
}
