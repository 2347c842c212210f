import { RETRY_PENDING_STATUS } from "@inbound/contracts";
import { runSql, type SqlClient } from "../calls/run-sql";
import { transitionsWith } from "../calls/transition-call";

export interface OptOutRecord {
  number: string;
  source: string;
  createdAt: Date;
}

/**
 * Adds a number to the organisation's do-not-call list and cancels every pending call of the organisation to it
 * (scheduled or queued, a scheduled redial included, or dialing with a transient retry pending: at no
 * provider) in ONE statement: the insert, and each cancel as the conditional transition (event log, credit
 * refund, status-webhook outbox) that every cancel is. A call a dialer claims at the same moment either is canceled here or is already dialing (and its dial-time re-check
 * finds the number listed). Adding a listed number again changes nothing and cancels what is pending anyway.
 * Null for an unknown organisation.
 */
export async function addOptOut(
  client: SqlClient,
  input: { orgId: string; number: string; source: string },
): Promise<{ added: boolean; canceledCallIds: string[]; optOut: OptOutRecord } | null> {
  const rows = await runSql<{ added: boolean; canceled: string[] | null; source: string; created_at: Date } | { org: null }>(
    client,
    "orders_add_opt_out",
    `${transitionsWith(`SELECT (row_number() OVER (ORDER BY c.id) - 1)::int AS ord, c.id AS call_id, c.org_id,
        c.status AS from_status, 'canceled'::call_status AS to_status, NULL::text AS end_reason, NULL::text AS provider_call_id,
        NULL::text AS owner_dialer_id, 0 AS inc, true AS refund, 'opted_out' AS detail, false AS engagement,
        NULL::text AS transcript, NULL::jsonb AS recording, NULL::int AS duration_seconds, NULL::timestamptz AS due_at,
        NULL::jsonb AS decision, NULL::text AS attempt_outcome, false AS gated,
        NULL::call_status[] AS via, NULL::text[] AS via_detail
      FROM calls c
      WHERE c.org_id = $1 AND c.contact_number = $2 AND c.deleted_at IS NULL
        AND (c.status IN ('scheduled', 'queued')
          OR (c.status = '${RETRY_PENDING_STATUS}'::call_status AND c.retry_pending_at IS NOT NULL))
        AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = $1)`)}, inserted AS (
      INSERT INTO opt_outs (org_id, number, source) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM organizations WHERE id = $1)
      ON CONFLICT (org_id, number) DO NOTHING
      RETURNING source, created_at
    )
    SELECT true AS found, EXISTS (SELECT 1 FROM inserted) AS added,
      (SELECT array_agg(id ORDER BY id) FROM moved) AS canceled,
      COALESCE((SELECT source FROM inserted), (SELECT source FROM opt_outs WHERE org_id = $1 AND number = $2)) AS source,
      COALESCE((SELECT created_at FROM inserted), (SELECT created_at FROM opt_outs WHERE org_id = $1 AND number = $2)) AS created_at
    WHERE EXISTS (SELECT 1 FROM organizations WHERE id = $1)`,
    [input.orgId, input.number, input.source],
  );
  const row = rows[0] as { added: boolean; canceled: string[] | null; source: string; created_at: Date } | undefined;
  if (!row) return null;
  return {
    added: row.added,
    canceledCallIds: row.canceled ?? [],
    optOut: { number: input.number, source: row.source, createdAt: row.created_at },
  };
}

/** Removes a number from the list; false when it was not listed. */
export async function removeOptOut(client: SqlClient, input: { orgId: string; number: string }): Promise<boolean> {
  const rows = await runSql<{ number: string }>(
    client,
    "orders_remove_opt_out",
    `DELETE FROM opt_outs WHERE org_id = $1 AND number = $2 RETURNING number`,
    [input.orgId, input.number],
  );
  return rows.length > 0;
}

/** A page of the list, by number (keyset: numbers after `after`). */
export async function listOptOuts(
  client: SqlClient,
  input: { orgId: string; after?: string | null; limit: number },
): Promise<{ optOuts: OptOutRecord[]; hasMore: boolean }> {
  const rows = await runSql<{ number: string; source: string; created_at: Date }>(
    client,
    "orders_list_opt_outs",
    `SELECT number, source, created_at FROM opt_outs WHERE org_id = $1 AND ($2::text IS NULL OR number > $2)
    ORDER BY number LIMIT $3`,
    [input.orgId, input.after ?? null, input.limit + 1],
  );
  return {
    optOuts: rows.slice(0, input.limit).map((r) => ({ number: r.number, source: r.source, createdAt: r.created_at })),
    hasMore: rows.length > input.limit,
  };
}

/** Is the number on the organisation's list (the dial-time re-check)? */
export async function isOptedOut(client: SqlClient, orgId: string, number: string): Promise<boolean> {
  const rows = await runSql<{ one: number }>(
    client,
    "orders_is_opted_out",
    `SELECT 1 AS one FROM opt_outs WHERE org_id = $1 AND number = $2`,
    [orgId, number],
  );
  return rows.length > 0;
}
