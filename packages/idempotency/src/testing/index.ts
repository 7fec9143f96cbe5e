/**
 * The contracts every idempotency adapter must meet, as Jest suites: adapters in other packages
 * (Redis, PostgreSQL) and hosts run them against their own stores. Loaded only by tests.
 */
export { defineIdempotencyStoreContract, type IdempotencyStoreContractOptions, type IdempotencyStoreHarness } from './idempotency-store.contract';
export { defineIdempotencyRecordStoreContract, type IdempotencyRecordStoreHarness } from './idempotency-record-store.contract';
