/**
 * Redis `KeyVersionStore`: one random token per API key id, shared by every server process.
 *
 * `<prefix>{<key id>}` holds the token. Only a key id that has an API key row ever gets one: a
 * cache miss `peek`s (a plain GET, nothing written), and only once it found the row does it call
 * `current`, whose script stores a fresh random token when the key has none (only if still
 * absent: SET NX semantics) and answers the token now stored; the admission script's `key_version`
 * step does the same for a key a request was verified with. So a request with a guessed key id
 * writes nothing here (it used to leave a 24 h key per guess, which under `noeviction` could fill
 * Redis). A lost token (FLUSHALL, a restart without persistence) never comes back: its successor
 * is random, so every entry stamped with it is stale. `renew` replaces a token that exists
 * (SET XX) and creates none: a key without one has no entry that could still match.
 * The key id is the Cluster hash tag, exactly as in the nonce store's keys: the admission script
 * checks the version in the same slot, and so the same call, as the request's nonce claim.
 * Every token expires {@link KEY_VERSION_TTL_MS} after it was written: a token that expires or is
 * evicted is replaced by a new random one, which costs a reload and is never a stale hit.
 * A Redis that comes back with older tokens (restarted from its snapshot, a failover to a replica
 * that missed the last writes) can hold a token a revocation had replaced: every reconnection is
 * reported (`onReset`), and the caches stamped with tokens drop what they hold.
 */
import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { luaScript, runLuaScript } from '@signet/redis-scripts';
import type { KeyVersionStore } from '../../domain';

/** Default key prefix of key versions. */
export const DEFAULT_KEY_VERSION_PREFIX = 'signet:keyver:';

/** The Redis key of one API key's version (its id is the hash tag, as in `nonceRedisKey`). */
export function keyVersionRedisKey(keyId: string, prefix = DEFAULT_KEY_VERSION_PREFIX): string {
  return `${prefix}{${encodeURIComponent(keyId)}}`;
}

/** How long a version token lives after it was written (a key in use gets a new one after that: one reload per process). */
export const KEY_VERSION_TTL_MS = 86_400_000;

/**
 * A fresh version token: a random UUID (122 random bits). Every admission sends one, in case the
 * key has none, and node:crypto serves UUIDs from a cache of entropy: 0.13 µs each, against
 * 1.8 µs for `randomBytes(16)`.
 */
export function freshKeyVersion(): string {
  return randomUUID();
}

/**
 * The read step, shared with the admission script: `key_version(key, fresh, ttl_ms)` answers the
 * key's version, storing `fresh` (for `ttl_ms`) first when it has none (in one script: SET NX
 * semantics, and the answer is the stored token). Only for a key whose row exists (see above).
 */
export const KEY_VERSION_LUA = `
local function key_version(key, fresh, ttl_ms)
  local version = redis.call('GET', key)
  if not version then
    redis.call('SET', key, fresh, 'PX', ttl_ms)
    version = fresh
  end
  return version
end
`;

const CURRENT_SCRIPT = luaScript(`${KEY_VERSION_LUA}
return key_version(KEYS[1], ARGV[1], ARGV[2])
`);

/** Options of {@link createRedisKeyVersionStore}. */
export interface RedisKeyVersionStoreOptions {
  /** Defaults to `signet:keyver:`; must match the admission store's `keyVersionPrefix`. No braces. */
  readonly prefix?: string;
}

/** Creates the store on an ioredis client or cluster (borrowed, never closed). */
export function createRedisKeyVersionStore(redis: Redis | Cluster, options: RedisKeyVersionStoreOptions = {}): KeyVersionStore {
  const prefix = options.prefix ?? DEFAULT_KEY_VERSION_PREFIX;
  if (/[{}]/.test(prefix)) throw new TypeError('prefix must not contain hash-tag braces');
  return {
    async peek(keyId) {
      return redis.get(keyVersionRedisKey(keyId, prefix));
    },
    async current(keyId) {
      const reply = await runLuaScript(redis, CURRENT_SCRIPT, [keyVersionRedisKey(keyId, prefix)], [freshKeyVersion(), KEY_VERSION_TTL_MS]);
      if (typeof reply !== 'string' || reply === '') throw new Error(`redis key versions: unexpected reply ${JSON.stringify(reply)}`);
      return reply;
    },
    async renew(keyId) {
      await redis.set(keyVersionRedisKey(keyId, prefix), freshKeyVersion(), 'PX', KEY_VERSION_TTL_MS, 'XX');
    },
    onReset(listener) {
      onReconnect(redis, listener);
    },
  };
}

/**
 * Calls `listener` each time `redis` is ready again after it was ready once (a reconnection: the
 * server may have restarted from a snapshot or failed over to a replica), and, on a cluster, each
 * time it connects to a node after that (a replica promoted in place of its master).
 */
function onReconnect(redis: Redis | Cluster, listener: () => void): void {
  let wasReady = redis.status === 'ready';
  redis.on('ready', () => {
    if (wasReady) listener();
    wasReady = true;
  });
  if (redis instanceof Cluster) {
    redis.on('+node', () => {
      if (wasReady) listener();
    });
  }
}
