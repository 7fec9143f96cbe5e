/**
 * Redis `KeyVersionStore`: one random token per API key id, shared by every server process.
 *
 * `<prefix>{<key id>}` holds the token. A key with none (never used, or the store lost it: a
 * FLUSHALL, a restart without persistence) gets a fresh random one, written by the same script
 * that reads it, so a lost token never comes back and every entry stamped with it is stale. The
 * key id is the Cluster hash tag, exactly as in the nonce store's keys: the admission script
 * checks the version in the same slot, and so the same call, as the request's nonce claim.
 * No TTL: like the nonce completeness markers, the tokens need `maxmemory-policy noeviction`
 * (an evicted token is only a reload, never a stale hit: its replacement is new).
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { luaScript, runLuaScript } from '@signet/redis-scripts';
import type { KeyVersionStore } from '../../domain';

/** Default key prefix of key versions. */
export const DEFAULT_KEY_VERSION_PREFIX = 'signet:keyver:';

/** The Redis key of one API key's version (its id is the hash tag, as in `nonceRedisKey`). */
export function keyVersionRedisKey(keyId: string, prefix = DEFAULT_KEY_VERSION_PREFIX): string {
  return `${prefix}{${encodeURIComponent(keyId)}}`;
}

/** A fresh version token: 128 random bits. */
export function freshKeyVersion(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The read step, shared with the admission script: `key_version(key, fresh)` answers the key's
 * version, storing `fresh` first when it has none.
 */
export const KEY_VERSION_LUA = `
local function key_version(key, fresh)
  local version = redis.call('GET', key)
  if not version then
    redis.call('SET', key, fresh)
    version = fresh
  end
  return version
end
`;

const CURRENT_SCRIPT = luaScript(`${KEY_VERSION_LUA}
return key_version(KEYS[1], ARGV[1])
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
      const reply = await runLuaScript(redis, CURRENT_SCRIPT, [keyVersionRedisKey(keyId, prefix)], [freshKeyVersion()]);
      if (typeof reply !== 'string' || reply === '') throw new Error(`redis key versions: unexpected reply ${JSON.stringify(reply)}`);
      return reply;
    },
    async renew(keyId) {
      await redis.set(keyVersionRedisKey(keyId, prefix), freshKeyVersion());
    },
  };
}
