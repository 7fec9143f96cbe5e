/**
 * @signet/idempotency: exactly-once execution by idempotency key, for any server. A fast-path
 * store (leases and cached outcomes; may forget anything) in front of a durable record that
 * commits in the same transaction as the effect (the authority), driven by an executor over two
 * host ports: a transaction runner and an outcome codec. Also the key rules (the
 * `Idempotency-Key` header), the argument fingerprint, in-process adapters (the fast-path store,
 * a record store and a transaction runner for data kept in memory) and a purger of expired records. No GraphQL, no HTTP framework, no database driver: the `@idempotent`
 * directive and the Redis and PostgreSQL adapters are packages of their own.
 */
export { fingerprintArguments } from './fingerprint';
export {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKeyHeader,
  validateIdempotencyKey,
  type IdempotencyKeyHeaderResult,
  type IdempotencyKeyValidation,
} from './idempotency-key';
export {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
  MIN_IDEMPOTENCY_RETRY_AFTER_MS,
  idempotencyScopeKey,
  retryAfterFor,
  toPositiveMs,
  type ClaimResult,
  type IdempotencyStore,
} from './idempotency-store';
export type { IdempotencyRecord, IdempotencyRecordStore } from './idempotency-record-store';
export type { TransactionRunner, TransactionState } from './transaction-runner';
export type { OutcomeCodec } from './outcome-codec';
export {
  createIdempotentExecutor,
  type IdempotencyErrors,
  type IdempotencyEvent,
  type IdempotencyFaults,
  type IdempotentCall,
  type IdempotentExecutor,
  type IdempotentExecutorOptions,
  type IdempotentResult,
} from './idempotent-execution';
export { createMemoryIdempotencyStore, DEFAULT_MAX_ENTRIES, type MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './memory-idempotency-store';
export { createMemoryTransactionRunner, type MemoryTransactionRunner } from './memory-transaction-runner';
export { createMemoryIdempotencyRecordStore, type MemoryIdempotencyRecordStore } from './memory-idempotency-record-store';
export { startRecordPurger, type RecordPurger } from './record-purger';
export { declareCompleteIfNoLiveRecords, type CompletenessDeclaration } from './declare-complete';
