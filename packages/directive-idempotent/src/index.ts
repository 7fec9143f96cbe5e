/**
 * @signet/directive-idempotent: the `@idempotent` directive for any graphql-js schema. Its SDL
 * (the directive's name is the host's choice) and a transformer that runs each keyed Mutation
 * field at most once per key, on `@signet/idempotency`. It takes from the host only functions:
 * whom a key belongs to, a request header, the store to claim with, where to mark a replay,
 * the outcome codec, the transaction runner, errors and where to report events. It knows nothing
 * of the host's context, errors or metrics.
 */
export {
  DEFAULT_IDEMPOTENT_DIRECTIVE_NAME,
  describeIdempotentFields,
  idempotentDirective,
  idempotentDirectiveTypeDefs,
  idempotentRequirement,
} from './idempotent.directive';
export {
  idempotentTransformer,
  type FieldOutcomeCodec,
  type IdempotentDirectiveErrors,
  type IdempotentDirectiveOptions,
  type IdempotentFieldEvent,
  type IdempotentFieldInfo,
} from './idempotent.transformer';
export { idempotentCallIdentity, type IdempotentCallIdentity } from './idempotent-call';
export { isWholeReplay } from './replayed-response';
export { explicitArguments, type CanonicalScalar, type InputValueDefinition } from './explicit-arguments';
export { keyDecisions, keyedFields, rootFields, type FieldKeyDecision, type IdempotencyKeyHeader, type OperationView } from './operation-keys';
