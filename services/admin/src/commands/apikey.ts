import { createApiKey, listApiKeys, revokeApiKey } from "@inbound/db";
import { required, UsageError } from "../args";
import type { Command } from "../command";

const MAX_NAME_LENGTH = 100;

const create: Command = {
  path: ["apikey", "create"],
  summary: "Create a named REST API key for an organisation (the key is shown once; an organisation may have many).",
  options: {
    org: { value: "ID", description: "organisation id (org_…)", required: true },
    name: {
      value: "NAME",
      description: `what the key is for, e.g. "CRM sync" (at most ${MAX_NAME_LENGTH} characters)`,
      required: true,
    },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const name = required(values, "name");
    if (name.length > MAX_NAME_LENGTH) throw new UsageError(`--name must be at most ${MAX_NAME_LENGTH} characters`);
    // Nothing to tell the ingress replicas: they never cache an unknown key, so the new key works at once.
    return async ({ prisma }) => {
      const created = await createApiKey(prisma, { orgId, name });
      return {
        json: created,
        text: [
          `Created API key ${created.api_key_id} (${name}) for ${orgId}.`,
          `API key (shown once, store it now): ${created.api_key}`,
          `Use it as: Authorization: Bearer ${created.api_key}`,
        ].join("\n"),
      };
    };
  },
};

const list: Command = {
  path: ["apikey", "list"],
  summary: "List an organisation's API keys: id, name, display prefix, created, last used, revoked (never the keys).",
  options: { org: { value: "ID", description: "organisation id (org_…)", required: true } },
  prepare(values) {
    const orgId = required(values, "org");
    return async ({ prisma }) => {
      const listed = await listApiKeys(prisma, orgId);
      const lines = listed.api_keys.map(
        (k) =>
          `  ${k.api_key_id}  ${k.display_prefix}…  ${k.name}  created ${k.created_at}  last used ${k.last_used_at ?? "never"}` +
          (k.revoked_at ? `  REVOKED ${k.revoked_at}` : ""),
      );
      return {
        json: listed,
        text: [`API keys of ${orgId}:`, ...(lines.length > 0 ? lines : ["  (none)"])].join("\n"),
      };
    };
  },
};

const revoke: Command = {
  path: ["apikey", "revoke"],
  summary: "Revoke one API key: it fails with 401 on the very next request on every replica; other keys keep working.",
  options: { key: { value: "ID", description: "API key id (key_…)", required: true } },
  prepare(values) {
    const keyId = required(values, "key");
    return async ({ prisma, ingress }) => {
      // Committed first: a revocation must not wait for Redis. Then every replica is told (the org's epoch);
      // if Redis does not answer, the revocation is printed with a warning that a replica may accept the key
      // for up to the cache TTL.
      const { result: revoked, warning } = await ingress.revoke(
        () => revokeApiKey(prisma, keyId),
        (r) => r.org_id,
      );
      return {
        warning,
        json: revoked,
        text: `Revoked API key ${keyId} of ${revoked.org_id} at ${revoked.revoked_at}; it is refused from the next request on.`,
      };
    };
  },
};

export const apiKeyCommands: Command[] = [create, list, revoke];
