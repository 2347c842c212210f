import { lookup as dnsLookup } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * Where status webhooks may go (SPEC §6): https only, and never to loopback, private, link-local (which holds
 * the cloud metadata address 169.254.169.254), CGNAT, multicast, reserved or documentation addresses.
 * `allowInsecure` (development and tests) allows http and loopback; private and metadata stay refused.
 */
export interface TargetPolicy {
  allowInsecure: boolean;
}

export class BlockedTargetError extends Error {
  constructor(
    readonly code: "insecure_url" | "blocked_address" | "invalid_url",
    message: string,
  ) {
    super(message);
    this.name = "BlockedTargetError";
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  FORBIDDEN.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  FORBIDDEN.addSubnet(net, bits, "ipv6");
}

/** An IPv4 address embedded as ::ffff:a.b.c.d (or its hex form) is judged as IPv4. */
function unmapped(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return { address: dotted[1]!, family: "ipv4" };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = Number.parseInt(hex[1]!, 16);
    const lo = Number.parseInt(hex[2]!, 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: "ipv4" };
  }
  return { address, family: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

/** Throws BlockedTargetError when an endpoint may not receive at this address. */
export function checkAddress(address: string, policy: TargetPolicy): void {
  const ip = unmapped(address);
  if (policy.allowInsecure && LOOPBACK.check(ip.address, ip.family)) return;
  if (FORBIDDEN.check(ip.address, ip.family)) {
    throw new BlockedTargetError("blocked_address", `the endpoint resolves to a forbidden address (${address})`);
  }
}

/** Checks the URL's form and scheme (the address is checked when connecting: see guardedLookup). */
export function checkUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedTargetError("invalid_url", "the endpoint URL is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && !(policy.allowInsecure && url.protocol === "http:")) {
    throw new BlockedTargetError("insecure_url", "the endpoint URL must use https");
  }
  if (url.username || url.password) throw new BlockedTargetError("invalid_url", "the endpoint URL must not carry credentials");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) checkAddress(host, policy);
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * A `lookup` for http(s).request: resolves the name at connect time and refuses the connection when ANY
 * address it resolves to is forbidden, so what is checked is exactly what is connected to (no DNS
 * rebinding between a check and the connect).
 */
export function guardedLookup(policy: TargetPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, "");
      try {
        if (addresses.length === 0) throw new BlockedTargetError("blocked_address", `${hostname} resolves to no address`);
        for (const entry of addresses) checkAddress(entry.address, policy);
      } catch (blocked) {
        return callback(blocked as NodeJS.ErrnoException, "");
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
