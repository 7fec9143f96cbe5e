/**
 * The shared state the directives keep, from the Signet adapter packages: in process (memory)
 * or in Redis (`redisUrl`), where every server process behind a load balancer shares it.
 *
 * - nonces: each signature's nonce, claimed once (replay protection);
 * - rate-limit counters, plus a memory fallback where query fields are counted while Redis is down;
 * - idempotency leases and cached outcomes: a cache in front of the durable records
 *   (`@signet/idempotency`'s memory record store, see `server.ts`), which may lose everything at any time.
 */
import { createMemoryNonceStore, type NonceStore } from '@signet/http-message-signatures';
import { createRedisNonceStore } from '@signet/http-message-signatures-redis';
import { createMemoryIdempotencyStore, type IdempotencyStore } from '@signet/idempotency';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import { createMemoryRateLimitStore, type RateLimitStore } from '@signet/rate-limit';
import { createRedisRateLimitStore } from '@signet/rate-limit-redis';
import Redis from 'ioredis';

/** The stores of one server. */
export interface Stores {
  readonly nonces: NonceStore;
  readonly rateLimits: RateLimitStore;
  /** Where query fields are counted while `rateLimits` fails (mutations fail closed instead). */
  readonly fallbackRateLimits: RateLimitStore;
  readonly idempotency: IdempotencyStore;
  /** Releases what the stores hold (timers, the Redis connection). */
  close(): Promise<void>;
}

/** Key prefix of everything this example keeps in Redis. */
const REDIS_PREFIX = 'payments-example:';

/** Opens the stores (and records the nonce store's completeness) before the server takes requests. */
export async function openStores(redisUrl: string | undefined, now: () => number, clockToleranceMs?: number): Promise<Stores> {
  const fallbackRateLimits = createMemoryRateLimitStore();
  if (redisUrl === undefined) {
    const nonces = createMemoryNonceStore({ now });
    await nonces.open();
    const idempotency = createMemoryIdempotencyStore({ now });
    return { nonces, rateLimits: createMemoryRateLimitStore(), fallbackRateLimits, idempotency, close: async () => idempotency.close() };
  }

  // One retry per command: a request waits at most that long for a Redis that is down.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const nonces = createRedisNonceStore(redis, { prefix: `${REDIS_PREFIX}nonce:`, now, clockToleranceMs });
  await nonces.open();
  return {
    nonces,
    rateLimits: createRedisRateLimitStore(redis, { prefix: `${REDIS_PREFIX}rl:` }),
    fallbackRateLimits,
    idempotency: createRedisIdempotencyStore(redis, { prefix: `${REDIS_PREFIX}idem:` }),
    async close() {
      await redis.quit();
    },
  };
}
