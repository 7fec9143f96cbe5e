/**
 * @signet/http-message-signatures-redis: the Redis `NonceStore` of `@signet/http-message-signatures`,
 * shared by every server process, one Lua script per claim (standalone Redis or Cluster). Its claim
 * step (`CLAIM_NONCE_LUA`, after `RUN_MARKER_LUA` of @signet/redis-scripts) and key layout are
 * exported so a host can run the claim inside a larger script of its own (Signet's admission
 * does) on the very same keys.
 */
export {
  CLAIM_NONCE_LUA,
  DEFAULT_CLOCK_TOLERANCE_MS,
  DEFAULT_NONCE_PREFIX,
  claimArguments,
  claimKeys,
  clockTolerance,
  createRedisNonceStore,
  markNonceStoreComplete,
  markerSinceMs,
  nonceFloorKey,
  nonceMarkerKey,
  nonceRedisKey,
  readClaimReply,
  type MarkNonceStoreOptions,
  type RedisNonceStoreOptions,
} from './redis-nonce-store';
