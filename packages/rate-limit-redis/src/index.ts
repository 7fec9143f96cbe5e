/**
 * @signet/rate-limit-redis: the Redis adapter of `@signet/rate-limit`. Each check is one Lua
 * script (one round trip, atomic), on a single node or a Cluster; `WINDOW_LUA` exports the
 * script's window steps so a host can compose them into a larger script on the same keys.
 */
export {
  createRedisRateLimitStore,
  DEFAULT_RATE_LIMIT_PREFIX,
  rateLimitRedisKey,
  RedisRateLimitStore,
  WINDOW_LUA,
  type RedisRateLimitStoreOptions,
  type RedisScriptClient,
} from './redis-rate-limit-store';
