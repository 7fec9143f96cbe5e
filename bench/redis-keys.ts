import type Redis from 'ioredis';

/**
 * Deletes every key under `prefix` (SCAN, not KEYS: the bench may share its Redis). The bench's
 * idempotency keys live under a prefix of their own per database, kept 24 h otherwise.
 */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
