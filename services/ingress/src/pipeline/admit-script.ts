import type { Redis } from "ioredis";

// KEYS: epoch, quota counter[, replay guard]. ARGV: expected epoch ("*": any), quota TTL, replay TTL.
// Nothing is written unless the epoch matches; a replay counts nothing. One script: ONE round trip, atomic.
const ADMIT_SCRIPT = `
local epoch = redis.call('GET', KEYS[1]) or '0'
if ARGV[1] ~= '*' and ARGV[1] ~= epoch then return {-1, epoch} end
if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'EX', ARGV[3], 'NX') then return {-2, epoch} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return {n, epoch}`;

export interface AdmitInput {
  epochKey: string;
  /** The epoch the caller's copy of the organisation was read under; null: do not compare. */
  expectedEpoch: string | null;
  quotaKey: string;
  quotaTtlSeconds: number;
  /** Signed requests: the replay-guard key of the accepted signature, set only if absent. */
  replayKey?: string;
  replayTtlSeconds: number;
}

export type AdmitOutcome =
  /** Counted against the quota (used: the day's count including this request). */
  | { kind: "admitted"; used: number; epoch: string }
  /** The organisation changed since the caller's copy was read: nothing was written. */
  | { kind: "stale"; epoch: string }
  /** The signature was already used: nothing counted. */
  | { kind: "replayed" };

type AdmitRedis = Redis & { inboundAdmit(...args: (string | number)[]): Promise<[number, string]> };

/** Registers the script on the connection (EVALSHA, falling back to EVAL once per connection). */
export function installAdmitCommand(redis: Redis): void {
  if (typeof (redis as unknown as Partial<AdmitRedis>).inboundAdmit !== "function") {
    // No fixed key count: the replay key is there for signed requests only.
    redis.defineCommand("inboundAdmit", { lua: ADMIT_SCRIPT });
  }
}

/** Epoch check, replay guard and quota count of one request, in ONE Redis call. */
export async function admit(redis: Redis, input: AdmitInput): Promise<AdmitOutcome> {
  const args: (string | number)[] = input.replayKey
    ? [3, input.epochKey, input.quotaKey, input.replayKey]
    : [2, input.epochKey, input.quotaKey];
  args.push(input.expectedEpoch ?? "*", input.quotaTtlSeconds, input.replayTtlSeconds);
  const [code, epoch] = await (redis as AdmitRedis).inboundAdmit(...args);
  if (code === -1) return { kind: "stale", epoch: String(epoch) };
  if (code === -2) return { kind: "replayed" };
  return { kind: "admitted", used: Number(code), epoch: String(epoch) };
}
