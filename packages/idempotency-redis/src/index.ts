/**
 * @signet/idempotency-redis: the Redis adapter of `@signet/idempotency`'s fast-path
 * `IdempotencyStore`, shared by every server process (single node or Cluster), and its
 * `claim_lease` Lua step for hosts that compose it into scripts of their own.
 */
export {
  CLAIM_LEASE_LUA,
  DEFAULT_IDEMPOTENCY_PREFIX,
  createRedisIdempotencyStore,
  idempotencyRedisKey,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency-store';
