import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const IV_BYTES = 12;
/** The full 16-byte GCM tag, pinned: a truncated tag (which GCM would otherwise accept) never opens. */
const TAG_BYTES = 16;

/** What a v2 value is bound to (AES-GCM additional data): the organisation it belongs to. */
const boundTo = (orgId: string) => Buffer.from(`inbound-calls/signing-secret/v2/org:${orgId}`, "utf8");

/**
 * AES-256-GCM under a key from the environment: signing secrets at rest, since the HMAC needs the plaintext.
 *
 * Format `v2.<iv>.<tag>.<ciphertext>` (base64url): the organisation id is authenticated as additional data,
 * so a value copied to another organisation's row does not open. `v1` values (before the binding; no
 * additional data) still open, for any organisation; rotating the signing secret reseals it as v2.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(hexKey: string) {
    this.key = Buffer.from(hexKey, "hex");
    if (this.key.length !== 32) throw new Error("SecretBox needs a 32-byte key");
  }

  seal(plaintext: string, orgId: string): string {
    if (!orgId) throw new Error("SecretBox.seal needs the organisation id the value belongs to");
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(boundTo(orgId));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return ["v2", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
  }

  /** The plaintext; throws if the value is malformed, was sealed under another key, or for another organisation. */
  open(sealed: string, orgId: string): string {
    const [version, ivText, tagText, body, ...rest] = sealed.split(".");
    if ((version !== "v1" && version !== "v2") || !ivText || !tagText || body === undefined || rest.length > 0) {
      throw new Error("Unrecognised sealed secret");
    }
    const iv = Buffer.from(ivText, "base64url");
    const tag = Buffer.from(tagText, "base64url");
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error("Unrecognised sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv, { authTagLength: TAG_BYTES });
    if (version === "v2") decipher.setAAD(boundTo(orgId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}
