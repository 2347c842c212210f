import { runSql, type SqlClient } from "../calls/run-sql";

/** A live signing secret, still sealed (SecretBox). */
export interface SealedSigningSecret {
  sealed: string;
  /** End of a rotation's grace period (ms since the epoch); null for the current secret. */
  expiresAtMs: number | null;
}

/** The organisation a webhook token belongs to, with what ingress needs to authenticate the request. */
export interface WebhookOrg {
  orgId: string;
  dailyQuota: number;
  signatureVerification: boolean;
  /** Live signing secrets (not expired when read), current first; empty unless signature verification is on. */
  signingSecrets: SealedSigningSecret[];
  /** The token's short display prefix: the most of it that may be logged. */
  tokenPrefix: string;
}

const FIND_WEBHOOK_ORGS = `
  SELECT t.token_hash, o.id AS org_id, o.daily_quota, o.signature_verification, t.display_prefix,
    CASE WHEN o.signature_verification THEN ARRAY(
      SELECT s.encrypted_secret FROM signing_secrets s
      WHERE s.org_id = o.id AND (s.expires_at IS NULL OR s.expires_at > now())
      ORDER BY s.expires_at NULLS FIRST, s.created_at DESC
    ) END AS secrets,
    CASE WHEN o.signature_verification THEN ARRAY(
      SELECT (extract(epoch FROM s.expires_at) * 1000)::float8 FROM signing_secrets s
      WHERE s.org_id = o.id AND (s.expires_at IS NULL OR s.expires_at > now())
      ORDER BY s.expires_at NULLS FIRST, s.created_at DESC
    ) END AS secret_expiries
  FROM webhook_tokens t
  JOIN organizations o ON o.id = t.org_id
  WHERE t.token_hash = ANY($1::text[]) AND t.revoked_at IS NULL`;

interface Row {
  token_hash: string;
  org_id: string;
  daily_quota: number;
  signature_verification: boolean;
  display_prefix: string;
  secrets: string[] | null;
  secret_expiries: (number | null)[] | null;
}

/**
 * ONE indexed query for one or many tokens: each token hash (unique index) joined to its organisation and,
 * only when signature verification is on, the signing secrets that have not expired, with the end of their
 * grace period (so a cached copy can stop accepting a previous secret on time). Results in input order;
 * null for an unknown or revoked token.
 */
export async function findWebhookOrgs(client: SqlClient, tokenHashes: readonly string[]): Promise<(WebhookOrg | null)[]> {
  if (tokenHashes.length === 0) return [];
  const rows = await runSql<Row>(client, "ingress_find_webhook_orgs", FIND_WEBHOOK_ORGS, [tokenHashes]);
  const byHash = new Map(rows.map((row) => [row.token_hash, row]));
  return tokenHashes.map((hash) => {
    const row = byHash.get(hash);
    return row ? toWebhookOrg(row) : null;
  });
}

export async function findWebhookOrg(client: SqlClient, tokenHash: string): Promise<WebhookOrg | null> {
  const [org] = await findWebhookOrgs(client, [tokenHash]);
  return org ?? null;
}

function toWebhookOrg(row: Row): WebhookOrg {
  const expiries = row.secret_expiries ?? [];
  return {
    orgId: row.org_id,
    dailyQuota: row.daily_quota,
    signatureVerification: row.signature_verification,
    signingSecrets: (row.secrets ?? []).map((sealed, i) => {
      const expiresAtMs = expiries[i];
      return { sealed, expiresAtMs: expiresAtMs == null ? null : Number(expiresAtMs) };
    }),
    tokenPrefix: row.display_prefix,
  };
}
