/**
 * Redis `KeyVersionStore`: one random token per API key id, shared by every server process.
 *
 * `<prefix>{<key id>}` holds the token. A key with none (never used, or the store lost it: a
 * FLUSHALL, a restart without persistence) gets a fresh random one, written by the same script
 * that reads it, so a lost token never comes back and every entry stamped with it is stale. The
 * key id is the Cluster hash tag, exactly as in the nonce store's keys: the admission script
 * checks the version in the same slot, and so the same call, as the request's nonce claim.
 * Every token expires {@link KEY_VERSION_TTL_MS} after it was written: a token that expires or is
 * evicted is replaced by a new random one, which costs a reload and is never a stale hit. The TTL
 * bounds what key ids never issued cost (a request with a guessed key id reads, and so creates, a
 * version before its row is found missing): one small key each, for a day.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
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
 * key's version, storing `fresh` (for `ttl_ms`) first when it has none.
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
    async current(keyId) {
      const reply = await runLuaScript(redis, CURRENT_SCRIPT, [keyVersionRedisKey(keyId, prefix)], [freshKeyVersion(), KEY_VERSION_TTL_MS]);
      if (typeof reply !== 'string' || reply === '') throw new Error(`redis key versions: unexpected reply ${JSON.stringify(reply)}`);
      return reply;
    },
    async renew(keyId) {
      await redis.set(keyVersionRedisKey(keyId, prefix), freshKeyVersion(), 'PX', KEY_VERSION_TTL_MS);
    },
  };
}
