/** Redis adapters of the security store ports, shared by every server process. */
export { createRedisNonceStore } from '@signet/http-message-signatures-redis';
export { createRedisRateLimitStore, RedisRateLimitStore } from './redis-rate-limit-store';
export { createRedisIdempotencyStore } from './redis-idempotency-store';
export { createRedisAdmissionStore, type RedisAdmissionStoreOptions } from './redis-admission-store';
