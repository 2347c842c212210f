/** A signing secret, opened, with the end of its grace period (ms since the epoch; null for the current one). */
export interface OpenedSecret {
  secret: string;
  expiresAtMs: number | null;
}

/** What authentication needs about a token's organisation, as read from Postgres. */
export interface OrgEntry {
  orgId: string;
  dailyQuota: number;
  signatureVerification: boolean;
  secrets: OpenedSecret[];
  /**
   * The organisation's epoch (Redis) read BEFORE this copy was read from Postgres: any later admin change
   * bumps the epoch after its commit, so a copy whose epoch still matches is current. Null: read for one
   * request only, not cacheable.
   */
  epoch: string | null;
}

interface Slot {
  entry: OrgEntry;
  storedAtMs: number;
  expiresAtMs: number;
}

/**
 * Token hash → organisation, bounded (least recently used go first) and with a TTL as a backstop. The
 * epoch check on every request is what keeps it correct; `clear()` forgets everything and makes loads that
 * started before it unable to store what they read (a Redis restart may have lost the epochs they hold).
 */
export class OrgCache {
  private readonly slots = new Map<string, Slot>();
  private generationCounter = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Changes on every clear(): a load notes it when it starts and hands it back to set(). */
  get generation(): number {
    return this.generationCounter;
  }

  get(tokenHash: string, nowMs: number): OrgEntry | undefined {
    const slot = this.slots.get(tokenHash);
    if (!slot) return undefined;
    if (slot.expiresAtMs <= nowMs) {
      this.slots.delete(tokenHash);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.slots.delete(tokenHash);
    this.slots.set(tokenHash, slot);
    return slot.entry;
  }

  /** Whether a live copy is held, without touching its recency. */
  peek(tokenHash: string, nowMs: number): boolean {
    const slot = this.slots.get(tokenHash);
    return slot !== undefined && slot.expiresAtMs > nowMs;
  }

  set(tokenHash: string, entry: OrgEntry, nowMs: number, generation: number): void {
    if (!this.enabled || entry.epoch === null || generation !== this.generationCounter) return;
    this.slots.delete(tokenHash);
    this.slots.set(tokenHash, { entry, storedAtMs: nowMs, expiresAtMs: nowMs + this.ttlMs });
    while (this.slots.size > this.maxEntries) {
      const oldest = this.slots.keys().next().value as string;
      this.slots.delete(oldest);
    }
  }

  /**
   * True once a copy has lived half its TTL: read it again in the background while it is still served, so
   * a token in use does not fall out of the cache (the copy served is never older than the TTL).
   */
  isAging(tokenHash: string, nowMs: number): boolean {
    const slot = this.slots.get(tokenHash);
    return slot !== undefined && nowMs - slot.storedAtMs >= this.ttlMs / 2;
  }

  delete(tokenHash: string): void {
    this.slots.delete(tokenHash);
  }

  clear(): void {
    this.generationCounter += 1;
    this.slots.clear();
  }
}
