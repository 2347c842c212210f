import { withTimeout as boundedBy } from "@inbound/logging";

/**
 * Rejects after ms with an error named RedisUnavailableError (the ingress answers it 503): BullMQ waits
 * forever for a connection that never came up, so every Redis step a request waits for is bounded by this.
 * The timer is cleared however the promise settles (@inbound/logging's withTimeout, with this error).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  return boundedBy(promise, ms, () => {
    const error = new Error(`${label} timed out after ${ms} ms`);
    error.name = "RedisUnavailableError";
    return error;
  });
}
