import { newId } from "@inbound/contracts";
import { generateApiKey } from "@inbound/security";
import { NotFoundError, showOrganization } from "../admin/organizations";
import { runSql, type SqlClient } from "../calls/run-sql";
import type { PrismaClient } from "../generated/prisma/client";
import type { WebhookOrg } from "../ingress/find-webhook-org";

/** An API key as listed: never the key itself, only its display prefix. */
export interface ApiKeyView {
  api_key_id: string;
  name: string;
  display_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/**
 * A new API key for the organisation: stored as its SHA-256 and display prefix, returned once. Nothing
 * needs telling the ingress replicas: an unknown key is never cached, so the first request with the new key
 * reads Postgres.
 */
export async function createApiKey(
  prisma: PrismaClient,
  input: { orgId: string; name: string },
): Promise<{ api_key_id: string; api_key: string }> {
  await showOrganization(prisma, input.orgId);
  const key = generateApiKey();
  const id = newId("key");
  await prisma.apiKey.create({
    data: { id, orgId: input.orgId, name: input.name, keyHash: key.keyHash, displayPrefix: key.displayPrefix },
  });
  return { api_key_id: id, api_key: key.apiKey };
}

/** Every key of the organisation, revoked ones included (newest first). */
export async function listApiKeys(prisma: PrismaClient, orgId: string): Promise<{ org_id: string; api_keys: ApiKeyView[] }> {
  await showOrganization(prisma, orgId);
  const keys = await prisma.apiKey.findMany({ where: { orgId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  return {
    org_id: orgId,
    api_keys: keys.map((k) => ({
      api_key_id: k.id,
      name: k.name,
      display_prefix: k.displayPrefix,
      created_at: k.createdAt.toISOString(),
      last_used_at: k.lastUsedAt?.toISOString() ?? null,
      revoked_at: k.revokedAt?.toISOString() ?? null,
    })),
  };
}

/**
 * Revokes one key (the organisation's other keys go on working). Revoking a revoked key changes nothing and
 * answers its first revocation time. The caller then bumps the organisation's epoch so that no ingress
 * replica serves a cached copy of the key again.
 */
export async function revokeApiKey(
  prisma: PrismaClient,
  keyId: string,
): Promise<{ api_key_id: string; org_id: string; revoked_at: string }> {
  const rows = await prisma.$queryRawUnsafe<{ org_id: string; revoked_at: Date }[]>(
    `WITH revoked AS (
       UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING org_id, revoked_at
     )
     SELECT org_id, revoked_at FROM revoked
     UNION ALL
     SELECT org_id, revoked_at FROM api_keys WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM revoked)`,
    keyId,
  );
  const row = rows[0];
  if (!row) throw new NotFoundError("api key", keyId);
  return { api_key_id: keyId, org_id: row.org_id, revoked_at: row.revoked_at.toISOString() };
}

/** The organisation an API key belongs to, shaped like a webhook token's (no signing on the REST API). */
export interface ApiKeyOrg extends WebhookOrg {
  keyId: string;
}

const FIND_API_KEY_ORGS = `
  SELECT k.key_hash, k.id AS key_id, k.display_prefix, o.id AS org_id, o.daily_quota
  FROM api_keys k
  JOIN organizations o ON o.id = k.org_id
  WHERE k.key_hash = ANY($1::text[]) AND k.revoked_at IS NULL`;

/**
 * ONE indexed query for one or many key hashes (unique index); results in input order, null for an unknown
 * or revoked key.
 */
export async function findApiKeyOrgs(client: SqlClient, keyHashes: readonly string[]): Promise<(ApiKeyOrg | null)[]> {
  if (keyHashes.length === 0) return [];
  const rows = await runSql<{ key_hash: string; key_id: string; display_prefix: string; org_id: string; daily_quota: number }>(
    client,
    "ingress_find_api_key_orgs",
    FIND_API_KEY_ORGS,
    [keyHashes],
  );
  const byHash = new Map(rows.map((row) => [row.key_hash, row]));
  return keyHashes.map((hash) => {
    const row = byHash.get(hash);
    if (!row) return null;
    return {
      keyId: row.key_id,
      orgId: row.org_id,
      dailyQuota: row.daily_quota,
      signatureVerification: false,
      signingSecrets: [],
      tokenPrefix: row.display_prefix,
    };
  });
}

const TOUCH_API_KEYS = `
  UPDATE api_keys SET last_used_at = now()
  WHERE key_hash = ANY($1::text[]) AND revoked_at IS NULL
    AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2::int))`;

/** Sets last_used_at of keys not marked within the last `minSeconds` (a no-op for the others). */
export async function touchApiKeys(client: SqlClient, keyHashes: readonly string[], minSeconds = 60): Promise<void> {
  if (keyHashes.length === 0) return;
  await runSql(client, "ingress_touch_api_keys", TOUCH_API_KEYS, [keyHashes, minSeconds]);
}
