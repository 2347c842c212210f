import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

export const ADMIN_REALM = "dialer";

/**
 * Lets a request through when it carries the admin key, as `Authorization: Bearer <key>` or as the password
 * of HTTP Basic (any user name, so a browser's login prompt works). Anything else: 401 with a Basic challenge.
 */
export function requireAdminKey(adminKey: string): RequestHandler {
  // Both sides are hashed first so the comparison is constant-time whatever the length of the guess.
  const expected = digest(adminKey);
  return (req, res, next) => {
    const presented = presentedKey(req.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return next();
    res
      .status(401)
      .set("WWW-Authenticate", `Basic realm="${ADMIN_REALM}"`)
      .set("Cache-Control", "no-store")
      .type("application/json")
      .end(JSON.stringify({ status: "unauthorized" }));
  };
}

function presentedKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return value;
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
