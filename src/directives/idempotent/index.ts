/**
 * Public surface of `@idempotent`: the directive, its transformer and the ports with their
 * building blocks. Add exports here with intention: `src/directives/index.ts`, the adapters in
 * `src/stores/*` and the composition root import only from this file.
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
export { IDEMPOTENT, IDEMPOTENT_DIRECTIVE_SDL, describeIdempotentFields, idempotentDirective, idempotentRequirement } from './idempotent.directive';
export { idempotentTransformer } from './idempotent.transformer';
export { keyDecisionsFor, rootFields, type FieldKeyDecision, type OperationView } from './operation-keys';
export type { IdempotencyFaults } from '../deps';
export { startRecordPurger, type RecordPurger } from './record-purger';
