/**
 * @signet/rate-limit: an exact fixed-window rate limiter. The store port (one atomic "check and
 * count" per call), rule validation, window parsing, the in-process adapter and the values of
 * the RateLimit / RateLimit-Policy response fields. No GraphQL, no HTTP framework: the
 * `@rateLimit` directive and the Redis adapter are packages of their own.
 */
export type {
  NormalizedRateLimitRule,
  RateLimitDecision,
  RateLimitObservation,
  RateLimitRule,
  RateLimitStore,
} from './rate-limit-store';
export { decisionFrom, normalizeRateLimitRule } from './rate-limit-store';
export { MAX_WINDOW_MS, checkWindowMs, parseWindow } from './window';
export { keyDigest } from './key-digest';
export { createMemoryRateLimitStore, MemoryRateLimitStore, type MemoryRateLimitStoreOptions } from './memory-rate-limit-store';
export type { RateLimitHeaderEntry, RateLimitHeaders } from './ratelimit-headers';
export {
  compareTightness,
  formatRateLimit,
  formatRateLimitPolicy,
  rateLimitHeaders,
  tightestEntry,
  toDelaySeconds,
} from './ratelimit-headers';
