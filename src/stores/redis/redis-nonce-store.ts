/**
 * Redis nonce store: shared by every server process, atomic through a single `SET NX`.
 * Works with a standalone Redis and with Redis Cluster (one key per claim, no cross-slot work).
 */
import type { Cluster, Redis } from 'ioredis';
import type { NonceStore } from '../../transport/signature/nonce-store';

/** Options of {@link createRedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** Key prefix; defaults to `signet:nonce:`. Must not contain `{` or `}` (Cluster hash tags). */
  prefix?: string;
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
 * Creates a {@link NonceStore} on Redis: `SET <prefix>{<keyId>}:<nonce> 1 PX <ttl> NX`.
 * The key id is the Cluster hash tag so one key's nonces share a slot. Only the reply `OK`
 * is a successful claim; `null` (already set) and anything unexpected is not.
 */
export function createRedisNonceStore(redis: Redis | Cluster, options: RedisNonceStoreOptions = {}): NonceStore {
  const prefix = options.prefix ?? DEFAULT_NONCE_PREFIX;
  if (/[{}]/.test(prefix)) throw new TypeError('prefix must not contain hash-tag braces');

  return {
    async claim(keyId: string, nonce: string, ttlMs: number): Promise<boolean> {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
      const reply = await redis.set(nonceRedisKey(keyId, nonce, prefix), '1', 'PX', Math.ceil(ttlMs), 'NX');
      return reply === 'OK';
    },
  };
}
