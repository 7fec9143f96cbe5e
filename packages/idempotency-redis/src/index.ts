/**
 * @signet/idempotency-redis: the Redis adapter of `@signet/idempotency`'s fast-path
 * `IdempotencyStore`, shared by every server process (single node or Cluster), with its
 * completeness marker, and its `claim_lease` Lua step (plus the marker's key and the reply's
 * reader) and read-only `peek_completed` step for hosts that compose them into scripts of their
 * own (`claim_lease` after `RUN_MARKER_LUA` of @signet/redis-scripts).
 */
export {
  CLAIM_LEASE_LUA,
  DEFAULT_IDEMPOTENCY_PREFIX,
  PEEK_COMPLETED_LUA,
  claimNow,
  createRedisIdempotencyStore,
  idempotencyMarkerKey,
  idempotencyRedisKey,
  readLeaseReply,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency-store';
