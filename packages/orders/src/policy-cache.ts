import { readOrgPolicy, type SqlClient } from "@inbound/db";
import { type OrderPolicy, toOrderPolicy } from "./order-policy";

/**
 * Each process's copy of the organisations' policies, so a create plans its order without a read of its own.
 * It needs no expiry to stay correct: the create statement refuses a plan made with another policy_version
 * (outcome policy_changed), and the create then drops the copy (`forget`) and plans again with a fresh one.
 * Bounded: the least recently loaded go first.
 */
export class PolicyCache {
  private readonly entries = new Map<string, OrderPolicy>();

  constructor(
    private readonly sql: SqlClient,
    private readonly maxEntries = 10_000,
  ) {}

  /** The organisation's policy (cached), or null for an unknown organisation. */
  async get(orgId: string): Promise<OrderPolicy | null> {
    const cached = this.entries.get(orgId);
    if (cached) return cached;
    const record = await readOrgPolicy(this.sql, orgId);
    if (!record) return null;
    const policy = toOrderPolicy(record);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(orgId, policy);
    return policy;
  }

  forget(orgId: string): void {
    this.entries.delete(orgId);
  }
}
