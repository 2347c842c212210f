import { disableSigning, enableSigning, rotateSigning } from "@inbound/db";
import { optionalInteger, required } from "../args";
import type { Command } from "../command";

const orgOption = { org: { value: "ID", description: "organisation id (org_…)", required: true } };

const enable: Command = {
  path: ["signing", "enable"],
  summary: "Turn signature verification on with a new signing secret (shown once).",
  options: orgOption,
  prepare(values) {
    const orgId = required(values, "org");
    return async ({ prisma, secretBox, ingress }) => {
      const { result: enabled, warning } = await ingress.apply(orgId, () => enableSigning(prisma, secretBox, orgId));
      return {
        warning,
        json: enabled,
        text: [
          `Signature verification is on for ${orgId}.`,
          `Signing secret (shown once, store it now): ${enabled.signing_secret}`,
          "Every request must now carry X-Inbound-Timestamp and X-Inbound-Signature.",
        ].join("\n"),
      };
    };
  },
};

const disable: Command = {
  path: ["signing", "disable"],
  summary: "Turn signature verification off and delete the signing secrets.",
  options: orgOption,
  prepare(values) {
    const orgId = required(values, "org");
    return async ({ prisma, ingress }) => {
      const { result: disabled, warning } = await ingress.apply(orgId, () => disableSigning(prisma, orgId));
      return {
        warning,
        json: { org_id: orgId, ...disabled },
        text: `Signature verification is off for ${orgId}; its signing secrets are deleted.`,
      };
    };
  },
};

const rotate: Command = {
  path: ["signing", "rotate"],
  summary: "Issue a new signing secret (shown once); the previous one stays valid for the grace period.",
  options: {
    ...orgOption,
    "grace-minutes": { value: "N", description: "minutes the previous secret stays valid (default 0: it stops now)" },
  },
  prepare(values) {
    const orgId = required(values, "org");
    const graceMinutes = optionalInteger(values, "grace-minutes", 0) ?? 0;
    return async ({ prisma, secretBox, ingress }) => {
      const { result: rotated, warning } = await ingress.apply(orgId, () => rotateSigning(prisma, secretBox, { orgId, graceMinutes }));
      return {
        warning,
        json: rotated,
        text: [
          `Rotated the signing secret of ${orgId}.`,
          `New signing secret (shown once, store it now): ${rotated.signing_secret}`,
          graceMinutes > 0
            ? `The previous secret stays valid for ${graceMinutes} minute(s).`
            : "The previous secret no longer verifies.",
        ].join("\n"),
      };
    };
  },
};

export const signingCommands: Command[] = [enable, disable, rotate];
