/**
 * Public surface of the `@rateLimit` engine: the store port, window parsing and the
 * RateLimit header fields, and the `@rateLimit` directive with its transformer.
 */
export type {
  NormalizedRateLimitRule,
  RateLimitDecision,
  RateLimitObservation,
  RateLimitRule,
  RateLimitStore,
} from '@signet/rate-limit';
export { decisionFrom, normalizeRateLimitRule } from '@signet/rate-limit';
export { MAX_WINDOW_MS, parseWindow } from '@signet/rate-limit';
export type { RateLimitHeaderEntry, RateLimitHeaders } from './ratelimit-headers';
export {
  compareTightness,
  formatRateLimit,
  formatRateLimitPolicy,
  rateLimitHeaders,
  tightestEntry,
  toDelaySeconds,
} from './ratelimit-headers';
export { RATE_LIMIT, rateLimitDirective, type RateLimitArgs } from './rate-limit.directive';
export { describeRateLimit, describeRateLimitedFields, rateLimitTransformer } from './rate-limit.transformer';
export { RateLimitedError } from './rate-limit-errors';
export { accountIdentity, fieldLimitCheck, ipIdentity, limitedField, type FieldLimitCheck, type LimitedField } from './field-limit';
