/**
 * Signet's wiring of `@rateLimit` (`@signet/directive-rate-limit`): who a call counts against,
 * Signet's errors and metrics, the RateLimit headers, and the admission's decisions.
 */
export { RateLimitedError } from './rate-limit-errors';
export { EXIT_MUTATIONS, describeSignetRateLimits, rateLimitIdentity, rateLimitOptions, signetRateLimitDirective, signetRateLimitTransformer } from './signet-rate-limit';
