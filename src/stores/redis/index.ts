/** Redis adapters of the security store ports, shared by every server process. */
export { createRedisNonceStore } from '@signet/http-message-signatures-redis';
export { createRedisRateLimitStore, RedisRateLimitStore } from '@signet/rate-limit-redis';
export { createRedisAdmissionStore, type RedisAdmissionStoreOptions } from './redis-admission-store';
export { createRedisKeyVersionStore, DEFAULT_KEY_VERSION_PREFIX, type RedisKeyVersionStoreOptions } from './redis-key-version-store';
