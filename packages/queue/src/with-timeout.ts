/**
 * Rejects after ms with an error named RedisUnavailableError (the ingress answers it 503): BullMQ waits
 * forever for a connection that never came up, so every Redis step a request waits for is bounded by this.
 * The timer is cleared however the promise settles.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${label} timed out after ${ms} ms`);
      error.name = "RedisUnavailableError";
      reject(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
