/**
 * @signet/idempotency-redis: the Redis adapter of `@signet/idempotency`'s fast-path
 * `IdempotencyStore`, shared by every server process (single node or Cluster), with its
 * completeness marker, and its `claim_lease` Lua step (plus the marker's key and the reply's
 * reader) for hosts that compose it into scripts of their own, after `RUN_MARKER_LUA` of
 * @signet/redis-scripts.
 */
export {
  CLAIM_LEASE_LUA,
  DEFAULT_IDEMPOTENCY_PREFIX,
  claimNow,
  createRedisIdempotencyStore,
  idempotencyMarkerKey,
  idempotencyRedisKey,
  readLeaseReply,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency-store';
