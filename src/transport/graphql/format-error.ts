import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { currentRequestId } from '../request-scope';
import { ActingKeyRevokedError, CommitOutcomeUnknownError } from '../../domain';
import { COMMIT_OUTCOME_UNKNOWN } from '../http/refusal-reasons.table';
import { ErrorCode, SignetError, isRetryable } from '../../errors';
import { classifyInfrastructureFailure } from './infrastructure-errors';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';

/** Apollo's own codes for malformed requests: their messages are safe to show. */
const CLIENT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.BAD_USER_INPUT, ErrorCode.BAD_REQUEST, ErrorCode.GRAPHQL_PARSE_FAILED, ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.OPERATION_RESOLUTION_FAILURE, ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);

/**
 * graphql-js's "Validation aborted." (its work budget for comparing same-named fields and fragment
 * spreads ran out) names no limit; this says what to change.
 */
const VALIDATION_ABORTED = 'Validation aborted.';
const VALIDATION_ABORTED_MESSAGE = 'Validation aborted: the document selects the same field many times (or spreads the same fragments many times) in one selection set, more than the server compares. Select each field once.';

/** What a client sees for a dependency failure: nothing about which one, or why. */
export const UNAVAILABLE_MESSAGE = 'Service temporarily unavailable; retry later.';

/** graphql-js's suggestion at the end of a message: `Did you mean "quantity"?`, `Did you mean the enum value "LIMIT"?`. */
const SUGGESTION = / ?Did you mean .+\?$/;

/** What a client is told when the connection was lost during the mutation's COMMIT. */
const COMMIT_UNKNOWN_MESSAGE = 'The database connection was lost while this mutation committed: it may have run. Retry with the same idempotency key (a committed mutation is replayed, never repeated), or read its result before acting again.';

interface ValidationFailure { property?: string; constraints?: Record<string, string>; children?: ValidationFailure[] }

/** Flattens class-validator failures to { field, messages } with no `target` or `value` echo. */
function describeValidation(failures: ValidationFailure[], prefix = ''): Array<{ field: string; messages: string[] }> {
  return failures.flatMap((f) => {
    const field = prefix ? `${prefix}.${f.property}` : String(f.property);
    const own = f.constraints ? [{ field, messages: Object.values(f.constraints) }] : [];
    return [...own, ...describeValidation(f.children ?? [], field)];
  });
}

/**
 * Builds Apollo's formatError: Signet errors and request-shape errors pass with their code;
 * infrastructure failures (database or Redis timeout, lost connection) become SERVICE_UNAVAILABLE,
 * retryable, with a fixed message; everything else is masked as INTERNAL_SERVER_ERROR. Both
 * masked kinds are logged in full with the request id (a dependency's failure through `warnings`:
 * counted each, logged at most once a minute, as an outage meets every request), and so is
 * IDEMPOTENCY_OUTCOME_LOST (a database that went back: the operator's to act on).
 * With `development` on, masked errors keep their message and stack for local debugging.
 */
export function createFormatError(options: { logger: Logger; development: boolean; hideSuggestions?: boolean; warnings?: DependencyWarnings }) {
  const warnings = options.warnings ?? createDependencyWarnings({ logger: options.logger });
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const requestId = currentRequestId();
    const original = unwrapResolverError(error);
    // With introspection off, no "Did you mean …?" names the schema (variable coercion's too, which Apollo's own hiding leaves).
    const message = options.hideSuggestions ? formatted.message.replace(SUGGESTION, '') : formatted.message;
    const base = { message, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
    if (original instanceof SignetError) {
      // The database went back under a cached outcome (a restore from an older backup): the
      // operator has steps to take (README "Backups and restores"), and only the log tells them.
      if (original.code === ErrorCode.IDEMPOTENCY_OUTCOME_LOST) {
        options.logger.error({ reqId: requestId, path: formatted.path, code: original.code }, 'an idempotent replay names what the database no longer has: was the database restored from an older backup? (README: Backups and restores)');
      }
      // `http` (status and headers of a whole-request refusal) is for Apollo, not the client.
      const { http: _http, ...extensions } = original.extensions;
      return { ...base, extensions: { ...extensions, requestId } };
    }
    if (original instanceof ActingKeyRevokedError) {
      // Revoked between the signature check and the field's transaction: nothing was written.
      return { ...base, message: original.message, extensions: { code: ErrorCode.UNAUTHENTICATED, retryable: isRetryable(ErrorCode.UNAUTHENTICATED), requestId } };
    }
    const code = String(formatted.extensions?.code ?? '');
    if (CLIENT_CODES.has(code)) {
      const validation = (original as { extensions?: { validationErrors?: ValidationFailure[] } } | undefined)?.extensions?.validationErrors;
      return {
        ...base,
        ...(formatted.message === VALIDATION_ABORTED ? { message: VALIDATION_ABORTED_MESSAGE } : {}),
        extensions: { code, retryable: isRetryable(code), requestId, ...(validation ? { fields: describeValidation(validation) } : {}) },
      };
    }
    if (original instanceof CommitOutcomeUnknownError) {
      // The one dependency failure after which the mutation may have run: said so, not "retry later".
      options.logger.error({ err: original, reqId: requestId, path: formatted.path }, 'connection lost during COMMIT: the outcome is unknown');
      return {
        ...base,
        message: options.development ? formatted.message : COMMIT_UNKNOWN_MESSAGE,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: isRetryable(ErrorCode.SERVICE_UNAVAILABLE), retryAfter: 1, reason: COMMIT_OUTCOME_UNKNOWN, requestId },
      };
    }
    const infrastructure = classifyInfrastructureFailure(original);
    if (infrastructure) {
      // A dependency failed, not the request: the same request may succeed later (a keyed
      // mutation whose commit did land before the connection dropped is then replayed, not rerun).
      warnings.failed({
        dependency: infrastructure.dependency, operation: 'resolve-field', kind: infrastructure.reason, error: original, level: 'error',
        ...(requestId === undefined ? {} : { reqId: requestId }), fields: { path: formatted.path, reason: infrastructure.reason },
      }, 'dependency failure masked as SERVICE_UNAVAILABLE');
      return {
        ...base,
        message: options.development ? formatted.message : UNAVAILABLE_MESSAGE,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: isRetryable(ErrorCode.SERVICE_UNAVAILABLE), retryAfter: 1, requestId },
      };
    }
    options.logger.error({ err: original, reqId: requestId, path: formatted.path }, 'unexpected error masked as INTERNAL_SERVER_ERROR');
    return {
      ...base,
      message: options.development ? formatted.message : 'Internal server error',
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR, retryable: isRetryable(ErrorCode.INTERNAL_SERVER_ERROR), requestId,
        ...(options.development && original instanceof Error ? { stacktrace: original.stack?.split('\n') } : {}),
      },
    };
  };
}
