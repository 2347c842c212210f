import { UnrecoverableError } from "bullmq";

/** Ids as the platform makes them (call_…, org_…): short, no spaces, never contact data. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The id field `field` of a job's payload, checked; anything else fails the job for good with BullMQ's
 * UnrecoverableError (no retry: a malformed job never becomes valid). The message names the field only.
 */
export function idField(value: unknown, queue: string, field: string): string {
  if (typeof value !== "string" || !ID.test(value)) throw new UnrecoverableError(`invalid ${queue} job: ${field}`);
  return value;
}

/** The payload as an object, or an UnrecoverableError. */
export function payloadObject(data: unknown, queue: string): Record<string, unknown> {
  if (data === null || typeof data !== "object" || Array.isArray(data))
    throw new UnrecoverableError(`invalid ${queue} job: data`);
  return data as Record<string, unknown>;
}
