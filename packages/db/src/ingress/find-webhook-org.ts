import { runSql, type SqlClient } from "../calls/run-sql";

/** The organisation a webhook token belongs to, with what ingress needs to authenticate the request. */
export interface WebhookOrg {
  orgId: string;
  dailyQuota: number;
  signatureVerification: boolean;
  /** Live signing secrets, still sealed (SecretBox); empty unless signature verification is on. */
  sealedSecrets: string[];
  /** The token's short display prefix: the most of it that may be logged. */
  tokenPrefix: string;
}

const FIND_WEBHOOK_ORG = `
  SELECT o.id AS org_id, o.daily_quota, o.signature_verification, t.display_prefix,
    CASE WHEN o.signature_verification THEN ARRAY(
      SELECT s.encrypted_secret FROM signing_secrets s
      WHERE s.org_id = o.id AND (s.expires_at IS NULL OR s.expires_at > now())
      ORDER BY s.expires_at NULLS FIRST, s.created_at DESC
    ) END AS secrets
  FROM webhook_tokens t
  JOIN organizations o ON o.id = t.org_id
  WHERE t.token_hash = $1 AND t.revoked_at IS NULL`;

/**
 * ONE indexed query: the token hash (unique index) joined to its organisation and, only when signature
 * verification is on, the signing secrets that have not expired. No cache, so a rotated token or secret
 * takes effect on the next request on every replica.
 */
export async function findWebhookOrg(client: SqlClient, tokenHash: string): Promise<WebhookOrg | null> {
  const rows = await runSql<{
    org_id: string;
    daily_quota: number;
    signature_verification: boolean;
    display_prefix: string;
    secrets: string[] | null;
  }>(client, "ingress_find_webhook_org", FIND_WEBHOOK_ORG, [tokenHash]);
  const row = rows[0];
  if (!row) return null;
  return {
    orgId: row.org_id,
    dailyQuota: row.daily_quota,
    signatureVerification: row.signature_verification,
    sealedSecrets: row.secrets ?? [],
    tokenPrefix: row.display_prefix,
  };
}
