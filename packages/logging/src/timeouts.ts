/**
 * Rejects after ms (with timeoutError(), by default an Error named TimeoutError) unless `promise` settles
 * first; the timer never keeps the process alive and is cleared as soon as the promise settles.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, timeoutError: () => Error = defaultTimeoutError(ms)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Waits for `work` at most ms, whatever it does; true when it settled (resolved or rejected) in time. Its
 * timer keeps the process alive (a stop sequence awaiting it must not be cut short by an empty event loop).
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function defaultTimeoutError(ms: number): () => Error {
  return () => {
    const error = new Error(`timed out after ${ms} ms`);
    error.name = "TimeoutError";
    return error;
  };
}
