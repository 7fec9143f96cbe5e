/**
 * The contract every `NonceStore` adapter must meet, as a Jest suite: adapters in other packages
 * (Redis) and hosts run it against their own store. Loaded only by tests.
 */
export { defineNonceStoreContract, type NonceStoreHarness } from './nonce-store.contract';
