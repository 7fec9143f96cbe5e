/**
 * Signet's wiring of `@idempotent` (the directive is `@signet/directive-idempotent`, the
 * exactly-once core `@signet/idempotency`): the transformer with Signet's scope, store, codec,
 * transactions, errors, metrics and logs. `src/directives/index.ts` imports only from this file.
 */
export { idempotentTransformer, replayedResponseKeys } from './idempotent.transformer';
export { signetCanonicalScalar } from './canonical-ids';
