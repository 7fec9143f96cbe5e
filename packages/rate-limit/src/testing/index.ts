/**
 * The contract every `RateLimitStore` adapter must meet, as a Jest suite: adapters in other
 * packages (Redis) and hosts run it against their own store. Loaded only by tests.
 */
export { defineRateLimitStoreContract, type RateLimitStoreContractOptions } from './rate-limit-store.contract';
