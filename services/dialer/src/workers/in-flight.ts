/**
 * The job handlers running now: what a stop waits for (BullMQ's own close also waits for Redis, which may
 * be away, so the dialer keeps its own count).
 */
export interface InFlight {
  track<T>(work: Promise<T>): Promise<T>;
  /** Settles once every handler running now has ended. */
  settled(): Promise<unknown>;
  readonly size: number;
}

export function createInFlight(): InFlight {
  const running = new Set<Promise<unknown>>();
  return {
    track(work) {
      running.add(work);
      const forget = () => running.delete(work);
      void work.then(forget, forget);
      return work;
    },
    settled: () => Promise.allSettled([...running]),
    get size() {
      return running.size;
    },
  };
}
