import { runSql, type SqlClient } from "../calls/run-sql";

/** A stored response of an earlier request with the same Idempotency-Key. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type IdempotencyClaim =
  /** This request owns the key: run the action, then store or release. */
  | { state: "claimed" }
  /** Same key, different body (IETF draft: 422). */
  | { state: "mismatch" }
  /** Same key and body, first request still running (409). */
  | { state: "in_flight" }
  /** Same key and body, answered before: replay. */
  | { state: "done"; response: StoredResponse };

export interface ClaimInput {
  orgId: string;
  key: string;
  /** A random id of this claim: the keyed create statement runs only while the record still names it. */
  owner: string;
  requestHash: string;
  lockSeconds: number;
  ttlSeconds: number;
}

interface RecordRow {
  claimed: boolean;
  request_hash: string | null;
  response_status: number | null;
  response_body: unknown;
}

const CLAIM = `
  WITH claim AS (
    INSERT INTO idempotency_records (org_id, key, request_hash, locked_until, expires_at, owner)
    VALUES ($1, $2, $3, now() + make_interval(secs => $4::int), now() + make_interval(secs => $5::int), $6)
    ON CONFLICT (org_id, key) DO UPDATE SET
      request_hash = EXCLUDED.request_hash,
      owner = EXCLUDED.owner,
      call_id = NULL,
      locked_until = EXCLUDED.locked_until,
      expires_at = EXCLUDED.expires_at,
      response_status = NULL,
      response_body = NULL,
      created_at = now()
    WHERE idempotency_records.expires_at <= now()
      OR (idempotency_records.response_status IS NULL AND idempotency_records.locked_until <= now())
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM claim) AS claimed, r.request_hash, r.response_status, r.response_body
  FROM (SELECT 1) AS one
  LEFT JOIN idempotency_records r ON r.org_id = $1 AND r.key = $2`;

const READ = `
  SELECT false AS claimed, request_hash, response_status, response_body
  FROM idempotency_records WHERE org_id = $1 AND key = $2`;

/**
 * Claims (org, key) in ONE statement. A record is taken over only when it expired (after the TTL) or when
 * its lock ran out without a stored response (the request that held it crashed). Otherwise the existing
 * record is returned as the statement's snapshot saw it.
 */
export async function claimIdempotencyKey(client: SqlClient, input: ClaimInput): Promise<IdempotencyClaim> {
  const rows = await runSql<RecordRow>(client, "ingress_idempotency_claim", CLAIM, [
    input.orgId,
    input.key,
    input.requestHash,
    input.lockSeconds,
    input.ttlSeconds,
    input.owner,
  ]);
  let row = rows[0];
  if (row?.claimed) return { state: "claimed" };
  if (!row?.request_hash) {
    // The conflicting record was committed after this statement's snapshot was taken: read it now.
    row = (await runSql<RecordRow>(client, "ingress_idempotency_read", READ, [input.orgId, input.key]))[0];
    if (!row) return { state: "in_flight" };
  }
  if (row.request_hash !== input.requestHash) return { state: "mismatch" };
  if (row.response_status === null) return { state: "in_flight" };
  return { state: "done", response: { status: row.response_status, body: row.response_body } };
}

const STORE = `
  UPDATE idempotency_records SET response_status = $3::int, response_body = $4::jsonb, locked_until = now()
  WHERE org_id = $1 AND key = $2 AND owner = $5 AND response_status IS NULL`;

/** Stores the final response of a key this request still holds (owner), so that repeats replay it. */
export async function storeIdempotentResponse(
  client: SqlClient,
  input: { orgId: string; key: string; owner: string; response: StoredResponse },
): Promise<void> {
  await runSql(client, "ingress_idempotency_store", STORE, [
    input.orgId,
    input.key,
    input.response.status,
    JSON.stringify(input.response.body),
    input.owner,
  ]);
}

const RELEASE = `DELETE FROM idempotency_records WHERE org_id = $1 AND key = $2 AND owner = $3 AND response_status IS NULL`;

/** Drops this request's claim if it has no response (the action failed with 503), so the sender's retry can run. */
export async function releaseIdempotencyKey(client: SqlClient, input: { orgId: string; key: string; owner: string }): Promise<void> {
  await runSql(client, "ingress_idempotency_release", RELEASE, [input.orgId, input.key, input.owner]);
}

const SWEEP = `
  WITH swept AS (
    DELETE FROM idempotency_records WHERE ctid IN (
      SELECT ctid FROM idempotency_records WHERE expires_at <= now() ORDER BY expires_at LIMIT $1::int
    )
    RETURNING 1
  )
  SELECT count(*)::int AS n FROM swept`;

/**
 * Deletes up to `limit` expired records (oldest first, on the expires_at index); returns how many. Expired
 * records replay nothing, and each holds a digest of a body that carried contact details: keep none.
 */
export async function sweepExpiredIdempotencyRecords(client: SqlClient, limit: number): Promise<number> {
  const rows = await runSql<{ n: number }>(client, "sweep_idempotency_records", SWEEP, [limit]);
  return rows[0]?.n ?? 0;
}
