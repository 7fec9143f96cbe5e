/**
 * Public surface of the `@idempotent` building blocks. Add exports here with intention:
 * adapters in `src/stores/*` and the directive transformer import only from this file.
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
