/**
 * Redis nonce store: shared by every server process, atomic through one Lua script per claim.
 * Works with a standalone Redis and with Redis Cluster (a claim touches one slot).
 *
 * Completeness: beside the nonces lives a marker holding since when the store has held every
 * claim, and which Redis server process wrote it (`<prefix>nonce-complete-since` = `<ms>:<run_id>`; on
 * a Cluster one per slot, in the slot it speaks for). A restart without persistence, a FLUSHALL
 * or a failover to an empty node removes the marker with the nonces. A restart from a snapshot or
 * an append-only file, or a promoted replica, keeps an older copy of both: the marker survives but
 * the nonces claimed after that copy are gone. Either way the next claim finds no marker of the
 * server answering it (its `run_id`, which every Redis process draws anew at start), records
 * "now", and refuses every signature that could have been used before (`unproven`) until fresh
 * signatures start after it. The marker never expires: Redis must not evict keys
 * (`maxmemory-policy noeviction`), or it could drop nonces and keep the marker.
 */
import type { Cluster, Redis } from 'ioredis';
import { MAIN_FLOOR, checkFloorName, floorsToRaise, type NonceClaim, type NonceClaimRequest, type NonceStore, type NonceSupersedeRequest } from '@signet/http-message-signatures';
import { isClusterClient, luaScript, runLuaScript, CLUSTER_SLOTS, RUN_MARKER_LUA, slotOfKey, tagForSlot } from '@signet/redis-scripts';

/** Options of {@link createRedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /**
   * Key prefix; defaults to `signet:nonce:`. Must not contain `{` or `}` (Cluster hash tags). Its
   * own: no other store (idempotency, rate limits) may share it, or their keys could meet.
   */
  prefix?: string;
  /** Clock in ms since the epoch, written (plus `clockToleranceMs`) into a missing completeness marker. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * How far apart the clocks of the processes sharing this Redis may be, in ms; defaults to
   * {@link DEFAULT_CLOCK_TOLERANCE_MS}. A missing marker records this process's `now` plus it: the
   * claims the store lost were stamped by the other processes' clocks, which may be that far ahead.
   */
  clockToleranceMs?: number;
}

/** How far apart the clocks of processes sharing a Redis may be (Signet's README: they must agree within 5 s). */
export const DEFAULT_CLOCK_TOLERANCE_MS = 5_000;

/**
 * What a marker this process writes records: its clock plus the tolerance. A claim lost with the
 * store's data was checked against `notBeforeMs` by its own process's clock, which may be up to the
 * tolerance ahead of this one's: without it, a replay of that claim's bytes (created up to the skew
 * ahead, then the loss, then a marker from a process whose clock is behind) would read as made
 * after the marker and run a second time.
 */
export function markerSinceMs(nowMs: number, clockToleranceMs: number): number {
  return nowMs + clockToleranceMs;
}

/** Validates a clock tolerance option (ms, a non-negative integer). */
export function clockTolerance(value: number | undefined): number {
  const tolerance = value ?? DEFAULT_CLOCK_TOLERANCE_MS;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0) throw new RangeError('clockToleranceMs must be a non-negative integer of ms');
  return tolerance;
}

/** Default key prefix of nonces. */
export const DEFAULT_NONCE_PREFIX = 'signet:nonce:';

/**
 * The Redis key of one (key id, nonce) claim. encodeURIComponent leaves valid key ids unchanged
 * but escapes braces, which would otherwise end the hash tag early and make `{a}:b}` ambiguous
 * between key id and nonce. The key id is the Cluster hash tag, so one key's nonces share a slot.
 */
export function nonceRedisKey(keyId: string, nonce: string, prefix = DEFAULT_NONCE_PREFIX): string {
  return `${prefix}{${encodeURIComponent(keyId)}}:${nonce}`;
}

/**
 * The Redis key of one of a key id's floors (`NonceStore.supersede`): the `created` (ms) at or
 * before which its signatures of that class are refused. The key id alone in its hash tag, so it
 * shares its nonces' slot; nothing after the tag (the main floor) or `~<name>` (another), so no
 * nonce key (`…}:<nonce>`) can be one.
 */
export function nonceFloorKey(keyId: string, prefix = DEFAULT_NONCE_PREFIX, floor = MAIN_FLOOR): string {
  return `${prefix}{${encodeURIComponent(keyId)}}${floor === MAIN_FLOOR ? '' : `~${floor}`}`;
}

/**
 * The completeness marker that speaks for `nonceKey`: one per store on a single server, one per
 * slot (in that slot) on a Cluster, so a claim's script can read it beside the nonce.
 */
export function nonceMarkerKey(nonceKey: string, prefix: string, clustered: boolean): string {
  return clustered ? `${prefix}${MARKER}:{${tagForSlot(slotOfKey(nonceKey))}}` : `${prefix}${MARKER}`;
}

/**
 * The marker's name after the prefix. Not the idempotency store's (`complete-since`): a host that
 * gave both stores one prefix had one marker for both, and the idempotency store declaring itself
 * complete made the nonce store vouch for nonces it had lost.
 */
const MARKER = 'nonce-complete-since';

/**
 * The claim step, written once and shared with the admission script. Returns {1} claimed,
 * {0} reused, {2, since} unproven, {3, floor} superseded (created at or before the floor its claim
 * answers to; `created_ms` '' for a claim that answers to none).
 * No marker of this Redis process means the store is new or may have lost claims (see the module
 * comment): it is complete from `since_if_missing_ms` on (this process's now plus the clock
 * tolerance, {@link markerSinceMs}). A script that uses it puts `RUN_MARKER_LUA`
 * (@signet/redis-scripts) once before it.
 */
export const CLAIM_NONCE_LUA = `
local function claim_nonce(nonce_key, marker_key, floor_key, ttl_ms, not_before_ms, since_if_missing_ms, created_ms)
  local since = run_marker_since(marker_key)
  if not since then
    since = since_if_missing_ms
    write_run_marker(marker_key, since)
  end
  if tonumber(not_before_ms) < tonumber(since) then return {2, tostring(since)} end
  local floor = redis.call('GET', floor_key)
  local created = tonumber(created_ms)
  if floor and created and created <= tonumber(floor) then
    -- A replay of a claimed nonce reads as the replay it is, floor or not.
    if redis.call('EXISTS', nonce_key) == 1 then return {0} end
    return {3, floor}
  end
  if redis.call('SET', nonce_key, '1', 'PX', ttl_ms, 'NX') then return {1} end
  return {0}
end
`;

/**
 * The supersede step (KEYS: the nonce, then the key's floors to raise; ARGV: createdMs, ttlMs):
 * raises each floor to at least `created`, keeps it at least `ttl` ms, then drops the nonce's
 * claim, in one script. Every key carries the key id's hash tag: one slot on a Cluster.
 */
const SUPERSEDE_SCRIPT = luaScript(`
for i = 2, #KEYS do
  local floor = tonumber(redis.call('GET', KEYS[i]) or '-1')
  local held = redis.call('PTTL', KEYS[i])
  local up_to = math.max(floor, tonumber(ARGV[1]))
  redis.call('SET', KEYS[i], string.format('%.0f', up_to), 'PX', math.max(held, tonumber(ARGV[2])))
end
redis.call('DEL', KEYS[1])
return 1
`);

/**
 * Writes a marker for this Redis process (ARGV[2] '1': only where it states nothing yet). Returns
 * 1 when written. Sent with EVAL, not by SHA: it runs rarely, and a caller's first command on a
 * connection then lands before anything sent after it (no NOSCRIPT round trip in between).
 */
const MARK_SOURCE = `${RUN_MARKER_LUA}
if ARGV[2] == '1' and run_marker_since(KEYS[1]) then return 0 end
write_run_marker(KEYS[1], ARGV[1])
return 1
`;

/** Options of {@link markNonceStoreComplete}. */
export interface MarkNonceStoreOptions {
  /** The store's key prefix; defaults to `signet:nonce:`. */
  readonly prefix?: string;
  /** Leave a marker the answering Redis process already wrote (the store's `open`); by default it is replaced. */
  readonly onlyIfMissing?: boolean;
}

/**
 * Declares the store complete since `sinceMs`: it has held, or never needed, every claim made
 * after it. For a store known to be new (a test's, a first deployment's); on a Cluster, every
 * slot's marker. A claim whose signature could predate `sinceMs` is then refused as `unproven`.
 */
export async function markNonceStoreComplete(redis: Redis | Cluster, sinceMs: number, options: MarkNonceStoreOptions = {}): Promise<void> {
  const prefix = options.prefix ?? DEFAULT_NONCE_PREFIX;
  if (!Number.isSafeInteger(sinceMs) || sinceMs < 0) throw new RangeError('sinceMs must be a non-negative integer of ms');
  const args = [String(sinceMs), options.onlyIfMissing ? '1' : '0'];
  if (!isClusterClient(redis)) {
    await redis.eval(MARK_SOURCE, 1, `${prefix}${MARKER}`, ...args);
    return;
  }
  const markers = Array.from({ length: CLUSTER_SLOTS }, (_, slot) => `${prefix}${MARKER}:{${tagForSlot(slot)}}`);
  for (let i = 0; i < markers.length; i += 512) {
    await Promise.all(markers.slice(i, i + 512).map((marker) => redis.eval(MARK_SOURCE, 1, marker, ...args)));
  }
}

const CLAIM_SCRIPT = luaScript(`${RUN_MARKER_LUA}${CLAIM_NONCE_LUA}
return claim_nonce(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`);

/**
 * The keys of a claim's step, in `claim_nonce`'s order: the nonce, the completeness marker, the
 * key's floor the claim answers to (the main one for a claim that answers to none: not read).
 */
export function claimKeys(keyId: string, nonce: string, prefix: string, clustered: boolean, floor?: string | null): [string, string, string] {
  const key = nonceRedisKey(keyId, nonce, prefix);
  return [key, nonceMarkerKey(key, prefix, clustered), nonceFloorKey(keyId, prefix, floor ?? MAIN_FLOOR)];
}

/**
 * Validates a claim's numbers (the same errors from every path that claims on Redis): ttl,
 * notBefore, what a missing marker records ({@link markerSinceMs}), created ('' when it answers to
 * no floor).
 */
export function claimArguments({ ttlMs, notBeforeMs, createdMs, floor }: NonceClaimRequest, sinceIfMissingMs: number): [number, number, number, number | ''] {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
  if (Number.isNaN(notBeforeMs)) throw new RangeError('notBeforeMs must be a number');
  if (!Number.isFinite(createdMs)) throw new RangeError('createdMs must be a finite number');
  checkFloorName(floor);
  if (!Number.isFinite(sinceIfMissingMs)) throw new Error('nonce store clock returned a non-finite time');
  // -Infinity (a store-independent "could never have been used before") travels as a number Lua reads.
  return [Math.ceil(ttlMs), Math.max(Math.floor(notBeforeMs), -1), Math.floor(sinceIfMissingMs), floor === null ? '' : Math.floor(createdMs)];
}

/** Reads the claim step's reply; anything unexpected is an error, never a claim. */
export function readClaimReply(reply: unknown): NonceClaim {
  const [tag, ms] = Array.isArray(reply) ? (reply as unknown[]) : [];
  const at = typeof ms === 'string' && ms !== '' ? Number(ms) : Number.NaN;
  if (tag === 1) return { status: 'claimed' };
  if (tag === 0) return { status: 'reused' };
  if (tag === 2 && Number.isFinite(at)) return { status: 'unproven', completeSinceMs: at };
  if (tag === 3 && Number.isFinite(at)) return { status: 'superseded', upToMs: at };
  throw new Error(`redis nonce store: unexpected reply ${JSON.stringify(reply)}`);
}

/** Creates a {@link NonceStore} on Redis; the client is borrowed, never closed. */
export function createRedisNonceStore(redis: Redis | Cluster, options: RedisNonceStoreOptions = {}): NonceStore {
  const prefix = options.prefix ?? DEFAULT_NONCE_PREFIX;
  if (/[{}]/.test(prefix)) throw new TypeError('prefix must not contain hash-tag braces');
  const now = options.now ?? Date.now;
  const tolerance = clockTolerance(options.clockToleranceMs);
  const clustered = isClusterClient(redis);

  return {
    async claim(keyId, nonce, request) {
      const args = claimArguments(request, markerSinceMs(now(), tolerance));
      return readClaimReply(await runLuaScript(redis, CLAIM_SCRIPT, claimKeys(keyId, nonce, prefix, clustered, request.floor), args));
    },
    async supersede(keyId, nonce, { createdMs, ttlMs, floors }: NonceSupersedeRequest) {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
      if (!Number.isFinite(createdMs)) throw new RangeError('createdMs must be a finite number');
      const floorKeys = floorsToRaise(floors).map((floor) => nonceFloorKey(keyId, prefix, floor));
      await runLuaScript(redis, SUPERSEDE_SCRIPT, [nonceRedisKey(keyId, nonce, prefix), ...floorKeys], [Math.floor(createdMs), Math.ceil(ttlMs)]);
    },
    async open() {
      // On a Cluster every slot's marker, so keys created from now on are never refused on a new cluster.
      await markNonceStoreComplete(redis, Math.floor(markerSinceMs(now(), tolerance)), { prefix, onlyIfMissing: true });
    },
  };
}
