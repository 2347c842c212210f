/**
 * Token hashes Postgres just said it does not know, remembered for a few seconds so that a flood of
 * unknown tokens is refused from memory: no Postgres read, no body read. Bounded (the oldest go first).
 *
 * Safe to keep briefly: a token only becomes known by being created or rotated in, and each of those makes
 * a NEW random token, whose hash nobody could have sent before; even so an entry never outlives the TTL, so
 * nothing is hidden longer than that. A TTL of 0 turns it off.
 */
export class UnknownTokens {
  /** Token hash → when it may be asked about again (ms). Insertion order is expiry order (one TTL). */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.until.size;
  }

  has(tokenHash: string, nowMs: number): boolean {
    const expiresAt = this.until.get(tokenHash);
    if (expiresAt === undefined) return false;
    if (expiresAt <= nowMs) {
      this.until.delete(tokenHash);
      return false;
    }
    return true;
  }

  add(tokenHash: string, nowMs: number): void {
    if (this.ttlMs <= 0) return;
    this.until.delete(tokenHash);
    this.until.set(tokenHash, nowMs + this.ttlMs);
    while (this.until.size > this.maxEntries) {
      this.until.delete(this.until.keys().next().value as string);
    }
  }

  clear(): void {
    this.until.clear();
  }
}
