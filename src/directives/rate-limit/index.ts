/**
 * Public surface of the `@rateLimit` engine: the store port, window parsing and the
 * RateLimit header fields. The directive and its transformer will be added here too.
 */
export type {
  NormalizedRateLimitRule,
  RateLimitDecision,
  RateLimitObservation,
  RateLimitRule,
  RateLimitStore,
} from './rate-limit-store';
export { decisionFrom, normalizeRateLimitRule } from './rate-limit-store';
export { MAX_WINDOW_MS, parseWindow } from './window';
export type { RateLimitHeaderEntry, RateLimitHeaders } from './ratelimit-headers';
export {
  compareTightness,
  formatRateLimit,
  formatRateLimitPolicy,
  rateLimitHeaders,
  tightestEntry,
  toDelaySeconds,
} from './ratelimit-headers';
