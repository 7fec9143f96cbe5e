/**
 * @signet/directive-rate-limit: `@rateLimit` for any GraphQL server built on `graphql-js`.
 * graphql-rate-limit's arguments, enforced exactly under concurrency by a `@signet/rate-limit`
 * store. Exports the directive's SDL (configurable name), a schema transformer that takes the
 * host's functions (identity, store, errors, where decisions go), and the pure key and rule
 * derivation, so a host that checks fields ahead of execution spends the same counters.
 */
export {
  DEFAULT_RATE_LIMIT_DIRECTIVE,
  rateLimitDirective,
  rateLimitTypeDefs,
  type RateLimitArgs,
  type RateLimitDirectiveDeclaration,
} from './rate-limit.directive';
export { rateLimitTransformer, type RateLimitDirectiveOptions, type RateLimitedDetails } from './rate-limit.transformer';
export {
  accountIdentity,
  apiKeyIdentity,
  fieldLimitCheck,
  ipIdentity,
  limitedField,
  limitedFieldOf,
  type FieldLimitCheck,
  type LimitedField,
  type LimitedFieldOptions,
  type RateLimitOverrides,
} from './field-limit';
export { describeRateLimit, describeRateLimitedFields, type RateLimitNoteOptions } from './describe';
