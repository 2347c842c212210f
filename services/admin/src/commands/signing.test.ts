import { createOrganization } from "@inbound/db";
import { SecretBox } from "@inbound/security";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";
import { expectFailure, expectJson, rowsContaining, runAdmin } from "../test-support";

// Each test runs the real CLI as processes (a few seconds each on a loaded 2-core machine).
jest.setTimeout(180_000);

let suite: SuiteEnv;
let box: SecretBox;
beforeAll(async () => {
  suite = await createSuiteEnv({ SECRETS_KEY: "ab".repeat(32) });
  box = new SecretBox(suite.config.SECRETS_KEY);
});
afterAll(() => suite.close());

const secretsOf = (orgId: string) =>
  suite.db.prisma.signingSecret.findMany({ where: { orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
const verificationOf = async (orgId: string) =>
  (await suite.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).signatureVerification;

describe("signing enable / rotate / disable", () => {
  it("stores the secret encrypted under SECRETS_KEY, keeps the previous one for the grace period, and disables", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Acme", credits: 0, dailyQuota: 10 });

    const enabled = expectJson<{ signing_secret: string }>(
      await runAdmin(suite.env, ["signing", "enable", "--org", org_id, "--json"]),
    );
    expect(Object.keys(enabled)).toEqual(["signing_secret"]);
    expect(enabled.signing_secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(await verificationOf(org_id)).toBe(true);
    const [first] = await secretsOf(org_id);
    expect(first).toMatchObject({ expiresAt: null });
    expect(box.open(first!.encryptedSecret, org_id)).toBe(enabled.signing_secret);
    // Bound to the organisation (AES-GCM additional data): it does not open as another organisation's.
    expect(first!.encryptedSecret).toMatch(/^v2\./);
    expect(() => box.open(first!.encryptedSecret, "org_someone_else")).toThrow();
    expect(await rowsContaining(suite.db.prisma, "signing_secrets", first!.encryptedSecret)).toBe(1);
    expect(await rowsContaining(suite.db.prisma, "signing_secrets", enabled.signing_secret)).toBe(0);

    const before = Date.now();
    const rotated = expectJson<{ signing_secret: string }>(
      await runAdmin(suite.env, ["signing", "rotate", "--org", org_id, "--grace-minutes", "15", "--json"]),
    );
    const after = Date.now();
    expect(rotated.signing_secret).not.toBe(enabled.signing_secret);
    const afterRotation = await secretsOf(org_id);
    expect(afterRotation).toHaveLength(2);
    const previous = afterRotation.find((s) => s.id === first!.id);
    const current = afterRotation.find((s) => s.id !== first!.id);
    expect(previous?.expiresAt?.getTime()).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
    expect(previous?.expiresAt?.getTime()).toBeLessThanOrEqual(after + 15 * 60_000 + 1000);
    expect(current?.expiresAt).toBeNull();
    expect(box.open(current!.encryptedSecret, org_id)).toBe(rotated.signing_secret);
    expect(await rowsContaining(suite.db.prisma, "signing_secrets", rotated.signing_secret)).toBe(0);

    // Without a grace period the previous secrets stop at once: only the new one is left.
    const immediate = expectJson<{ signing_secret: string }>(
      await runAdmin(suite.env, ["signing", "rotate", "--org", org_id, "--json"]),
    );
    const afterImmediate = await secretsOf(org_id);
    expect(afterImmediate).toHaveLength(1);
    expect(afterImmediate[0]?.expiresAt).toBeNull();
    expect(box.open(afterImmediate[0]!.encryptedSecret, org_id)).toBe(immediate.signing_secret);

    const disabled = expectJson(await runAdmin(suite.env, ["signing", "disable", "--org", org_id, "--json"]));
    expect(disabled).toEqual({ org_id, signature_verification: false });
    expect(await verificationOf(org_id)).toBe(false);
    expect(await secretsOf(org_id)).toHaveLength(0);
  });

  it("refuses to rotate while verification is off, unknown organisations, and reports each in one line", async () => {
    const { org_id } = await createOrganization(suite.db.prisma, { name: "Off", credits: 0, dailyQuota: 10 });
    const [rotateOff, enableUnknown, disableUnknown] = await Promise.all([
      runAdmin(suite.env, ["signing", "rotate", "--org", org_id, "--json"]),
      runAdmin(suite.env, ["signing", "enable", "--org", "org_nope", "--json"]),
      runAdmin(suite.env, ["signing", "disable", "--org", "org_nope", "--json"]),
    ]);
    expect(expectFailure(rotateOff, 1)).toMatch(/signature verification is off .*signing enable/);
    expect(expectFailure(enableUnknown, 1)).toBe("organization org_nope not found");
    expect(expectFailure(disableUnknown, 1)).toBe("organization org_nope not found");

    const text = await runAdmin(suite.env, ["signing", "enable", "--org", org_id]);
    expect(text.code).toBe(0);
    const secret = text.stdout.match(/Signing secret .*: (whsec_\S+)/)?.[1];
    const [stored] = await secretsOf(org_id);
    expect(box.open(stored!.encryptedSecret, org_id)).toBe(secret);
  });
});
