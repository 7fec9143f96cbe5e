import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { isClusterClient, luaScript, runLuaScript, RUN_MARKER_LUA, slotOfKey, tagForSlot } from '@signet/redis-scripts';
import {
  retryAfterFor,
  toPositiveMs,
  type ClaimResult,
  type IdempotencyStore,
} from '@signet/idempotency';

/**
 * Redis idempotency store: the fast path shared by every server process.
 *
 * Each scope is one hash `{ state, fp, token | outcome }` whose TTL is the lease while in
 * progress and the retention once completed, so Redis itself forgets abandoned claims and old
 * outcomes. Every method is one Lua script: read-compare-write in a single atomic step and a
 * single round trip (a GET-then-SET would let two duplicates both see "no key" and both run).
 * The key is `<prefix>{<owner>}:<rest of the scope key>` (`idempotencyRedisKey`): the hash tag
 * is the scope's owner, so one owner's leases share a Redis Cluster slot with its other keys.
 *
 * Completeness: beside the scopes lives a marker holding since when the store has seen every
 * claim, and which Redis server process wrote it (`<prefix>complete-since` = `<ms>:<run_id>`; on
 * a Cluster one per slot, in the slot it speaks for, as the nonce store does). A FLUSHALL, a
 * restart without persistence or a failover to an empty node removes it with the scopes; a
 * restart from a snapshot or an append-only file, or a promoted replica that was behind, keeps an
 * older copy of both, without the leases and outcomes written after it. Either way the next claim
 * finds no marker of the process answering (its `run_id`, drawn anew at every start), records
 * "now" (the injected clock), and every `acquired` claim carries it as `completeSinceMs`. For one retention window
 * after that, the executor reads the durable record before executing, so a call completed before
 * the loss is replayed, not run again. The marker never expires; Redis must not evict keys
 * (`maxmemory-policy noeviction`), or it could drop scopes and keep the marker (else use the
 * executor's `lookupRecordFirst: 'always'`).
 *
 * A host that found no live durable record at start-up may call `declareCompleteSince(0)`: it
 * writes `0:<run_id>` where the answering process has no marker of its own, so a new or emptied
 * single server skips the window; a marker of that process (the store may have lost data since
 * it was written) is kept. On a Cluster the method is
 * absent: its completeness is one marker per slot, missing ones written by claims, and setting
 * all 16384 of them at start-up is not worth one lookup per keyed call for a day.
 */

/** Options of {@link createRedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions {
  /** Prefix of every key, before the `{scopeKey}` hash tag. Defaults to `signet:idem:`. Must not contain `{` or `}`. */
  prefix?: string;
  /** Clock in ms since the epoch, written into a missing completeness marker. Defaults to `Date.now`. */
  now?: () => number;
}

/** Default key prefix of idempotency scopes. */
export const DEFAULT_IDEMPOTENCY_PREFIX = 'signet:idem:';

/**
 * The Redis key of one idempotency scope. The hash tag is the scope key's first `:` segment, its
 * owner (see `idempotencyScopeKey`: percent-encoded, so brace-free): `<prefix>{<owner>}:<rest>`.
 * One owner's leases then share a Cluster slot with other keys tagged by that owner (e.g. its
 * request counters), so a script over one owner's keys stays one call. A scope without `:` is its own tag: `<prefix>{<scope>}`.
 */
export function idempotencyRedisKey(scopeKey: string, prefix = DEFAULT_IDEMPOTENCY_PREFIX): string {
  const colon = scopeKey.indexOf(':');
  return colon === -1 ? `${prefix}{${scopeKey}}` : `${prefix}{${scopeKey.slice(0, colon)}}${scopeKey.slice(colon)}`;
}

/**
 * The completeness marker that speaks for the scope at `key` (a Redis key from
 * {@link idempotencyRedisKey}): one per store on a single server, one per slot (in that slot) on
 * a Cluster, so a claim's script reads it beside the scope.
 */
export function idempotencyMarkerKey(key: string, prefix: string, clustered: boolean): string {
  return clustered ? `${prefix}complete-since:{${tagForSlot(slotOfKey(key))}}` : singleServerMarkerKey(prefix);
}

/** The one completeness marker of a store on a single server. */
const singleServerMarkerKey = (prefix: string): string => `${prefix}complete-since`;

/**
 * The claim step, written once and shared with scripts composed by the host (Signet's
 * request admission takes a lease in the same script as its other checks):
 * `claim_lease(key, marker_key, fp, token, lease_ms, now_ms)` replies `{'acquired', since} |
 * {'mismatch'} | {'completed', outcome} | {'in_progress', pttl}`. No marker of the Redis process
 * answering means the store is new or may have lost data: it is complete from `now_ms` on. A
 * script that uses it puts `RUN_MARKER_LUA` (@signet/redis-scripts) once before it.
 */
export const CLAIM_LEASE_LUA = `
local function claim_lease(key, marker_key, fp, token, lease_ms, now_ms)
  local since = run_marker_since(marker_key)
  if not since then
    since = now_ms
    write_run_marker(marker_key, since)
  end
  local cur = redis.call('HMGET', key, 'state', 'fp', 'outcome')
  if not cur[1] then
    redis.call('HSET', key, 'state', 'in_progress', 'fp', fp, 'token', token)
    redis.call('PEXPIRE', key, lease_ms)
    return {'acquired', tostring(since)}
  end
  if cur[2] ~= fp then return {'mismatch'} end
  if cur[1] == 'completed' then return {'completed', cur[3]} end
  return {'in_progress', redis.call('PTTL', key)}
end
`;

/**
 * The read-only look, written once and shared with host scripts as `claim_lease` is:
 * `peek_completed(key, fp)` replies the outcome completed under `key` with fingerprint `fp`, or
 * false (free, in progress, another fingerprint). It writes nothing, not even a missing
 * completeness marker: it takes no lease, so no `acquired` claim relies on the marker.
 */
export const PEEK_COMPLETED_LUA = `
local function peek_completed(key, fp)
  local cur = redis.call('HMGET', key, 'state', 'fp', 'outcome')
  if cur[1] == 'completed' and cur[2] == fp and cur[3] then return cur[3] end
  return false
end
`;

/** KEYS: scope, its completeness marker; ARGV: fp, token, leaseMs, nowMs. */
const CLAIM = `${RUN_MARKER_LUA}${CLAIM_LEASE_LUA}
return claim_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`;

/** The clock's reading as the claim step takes it (whole ms). */
export function claimNow(now: () => number): number {
  const at = now();
  if (!Number.isFinite(at)) throw new Error('idempotency store clock returned a non-finite time');
  return Math.floor(at);
}

/**
 * Reads the claim step's reply (`token`: the one sent with it; `leaseMs`: the lease asked for);
 * anything unexpected is an error, never a claim.
 */
export function readLeaseReply(reply: unknown, token: string, leaseMs: number): ClaimResult {
  const [kind, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (kind === 'acquired' && typeof value === 'string' && Number.isFinite(Number(value))) return { kind, token, completeSinceMs: Number(value) };
  if (kind === 'mismatch') return { kind };
  if (kind === 'completed' && typeof value === 'string') return { kind, outcome: value };
  // PTTL is the remaining lease; it can read 0 (or -1 if someone stripped the TTL), which
  // retryAfterFor lifts to the minimum hint.
  if (kind === 'in_progress' && typeof value === 'number') return { kind, retryAfterMs: retryAfterFor(value, leaseMs) };
  throw new Error(`redis idempotency store: unexpected claim reply ${JSON.stringify(reply)}`);
}

/** KEYS: scope; ARGV: fp. Replies the completed outcome, or nil. */
const PEEK = `${PEEK_COMPLETED_LUA}
return peek_completed(KEYS[1], ARGV[1])
`;

/** ARGV: token, fp, outcome, ttlMs. Replies 1 if stored, 0 if the token no longer owns the lease. */
const COMPLETE = `
local cur = redis.call('HMGET', KEYS[1], 'state', 'token', 'fp')
if cur[1] ~= 'in_progress' or cur[2] ~= ARGV[1] or cur[3] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'token')
redis.call('HSET', KEYS[1], 'state', 'completed', 'outcome', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** ARGV: token. Replies 1 if released, 0 if the token no longer owns the lease. */
const RELEASE = `
local cur = redis.call('HMGET', KEYS[1], 'state', 'token')
if cur[1] ~= 'in_progress' or cur[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/** ARGV: fp, outcome, ttlMs. DEL first so no field of a previous state (a token) survives. */
const REMEMBER = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'completed', 'fp', ARGV[1], 'outcome', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS: the marker; ARGV: since (ms). Writes `since:<run_id>` unless the answering process has its own marker; replies 1 when written. */
const DECLARE = `${RUN_MARKER_LUA}
if run_marker_since(KEYS[1]) then return 0 end
write_run_marker(KEYS[1], ARGV[1])
return 1
`;

const SCRIPTS = { claim: luaScript(CLAIM), peek: luaScript(PEEK), complete: luaScript(COMPLETE), release: luaScript(RELEASE), remember: luaScript(REMEMBER), declare: luaScript(DECLARE) };

/**
 * Creates an {@link IdempotencyStore} on an ioredis client (standalone or Cluster). The client is
 * borrowed: the caller owns its connection and quits it on shutdown.
 */
export function createRedisIdempotencyStore(
  redis: Redis | Cluster,
  options: RedisIdempotencyStoreOptions = {},
): IdempotencyStore {
  const prefix = options.prefix ?? DEFAULT_IDEMPOTENCY_PREFIX;
  if (/[{}]/.test(prefix)) throw new TypeError('prefix must not contain hash-tag braces');
  const now = options.now ?? Date.now;
  const clustered = isClusterClient(redis);
  const keyOf = (scopeKey: string): string => idempotencyRedisKey(scopeKey, prefix);

  const store: IdempotencyStore = {
    async claim(scopeKey, fingerprint, leaseMs): Promise<ClaimResult> {
      const lease = toPositiveMs('leaseMs', leaseMs);
      const token = randomUUID();
      const key = keyOf(scopeKey);
      const reply = await runLuaScript(redis, SCRIPTS.claim, [key, idempotencyMarkerKey(key, prefix, clustered)], [fingerprint, token, lease, claimNow(now)]);
      return readLeaseReply(reply, token, lease);
    },

    async peekCompleted(scopeKey, fingerprint) {
      const reply = await runLuaScript(redis, SCRIPTS.peek, [keyOf(scopeKey)], [fingerprint]);
      if (reply === null || typeof reply === 'string') return reply ?? undefined;
      throw new Error(`redis idempotency store: unexpected peek reply ${JSON.stringify(reply)}`);
    },

    async complete(scopeKey, token, fingerprint, outcome, ttlMs) {
      const ttl = toPositiveMs('ttlMs', ttlMs);
      const reply = await runLuaScript(redis, SCRIPTS.complete, [keyOf(scopeKey)], [token, fingerprint, outcome, ttl]);
      return reply === 1;
    },

    async release(scopeKey, token) {
      return (await runLuaScript(redis, SCRIPTS.release, [keyOf(scopeKey)], [token])) === 1;
    },

    async remember(scopeKey, fingerprint, outcome, ttlMs) {
      const ttl = toPositiveMs('ttlMs', ttlMs);
      await runLuaScript(redis, SCRIPTS.remember, [keyOf(scopeKey)], [fingerprint, outcome, ttl]);
    },
  };
  if (clustered) return store;
  return {
    ...store,
    /** Writes the single server's marker only where the answering process has none: its own marker is the store's word. */
    async declareCompleteSince(sinceMs) {
      if (!Number.isFinite(sinceMs) || sinceMs < 0) throw new RangeError(`sinceMs must be a finite number of ms, not negative, got ${sinceMs}`);
      return (await runLuaScript(redis, SCRIPTS.declare, [singleServerMarkerKey(prefix)], [Math.floor(sinceMs)])) === 1;
    },
  };
}
