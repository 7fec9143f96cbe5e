import type { GraphQLSchema } from 'graphql';
import { idempotentTransformer as transformer, type IdempotentFieldEvent } from '@signet/directive-idempotent';
import type { HttpExchange } from '../directive-context';
import type { TransactionRunner } from '@signet/idempotency';
import type { UnitOfWork } from '../../domain';
import { BadUserInputError, ServiceUnavailableError, UnauthenticatedError } from '../../errors';
import type { DirectiveDeps } from '../deps';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';
import type { DirectiveContext } from '../directive-context';
import { admittedLeaseStore } from './admitted-lease-store';
import { signetCanonicalScalar } from './canonical-ids';
import { IdempotencyInProgressError, IdempotencyKeyRequiredError, IdempotencyKeyReusedError } from './idempotency-errors';
import { signetOutcomeCodec } from './idempotent-outcome';

/**
 * Signet's `@idempotent`: the package's transformer with Signet's answers. Keys belong to the
 * signed account; ids in the arguments are fingerprinted in their canonical form (a retry that
 * writes a UUID in another case replays: `canonical-ids.ts`); the store is the shared one primed
 * with the admission's lease; a replay sets `extensions.idempotentReplay.<field>` (the response
 * plugin adds `Idempotent-Replayed: true` once every root field replayed: the package's
 * `isWholeReplay`); orders, transfers and API keys are replayed by re-reading them
 * (`idempotent-outcome.ts`); the effect and its record share one unit-of-work transaction that
 * services join flat; errors are Signet's; outcomes are counted in `signet_idempotency_total` and
 * logged with their scope, never their arguments.
 */
export function idempotentTransformer(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  const warnings = deps.dependencyWarnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  return transformer<DirectiveContext>(schema, {
    scope: (context) => context.principal?.accountId,
    header: (context, name) => context.http.requestHeaders[name],
    store: (context, info) => admittedLeaseStore(deps.idempotency, context, info),
    markReplayed: (context, responseKey) => {
      const http = context.http;
      const prior = http.responseExtensions.idempotentReplay;
      http.responseExtensions.idempotentReplay = { ...(typeof prior === 'object' && prior !== null ? prior : {}), [responseKey]: true };
    },
    canonicalScalar: signetCanonicalScalar,
    codec: signetOutcomeCodec,
    records: deps.idempotencyRecords,
    transactions: joinedTransactions(deps.uow),
    retentionMs: deps.idempotencyTtlMs,
    now: deps.now,
    errors: {
      invalidKey: (reason) => new BadUserInputError(`Invalid idempotency key: ${reason}.`),
      keyRequired: (field) => new IdempotencyKeyRequiredError(field),
      // @signed runs first; this guards a schema where the field is not signed.
      unauthenticated: (field) => new UnauthenticatedError(`${field} requires a signed request.`),
      unavailable: () => new ServiceUnavailableError('Idempotency store unavailable; nothing was executed. Retry later with the same key.', { retryAfter: 1 }),
      keyReused: (field) => new IdempotencyKeyReusedError(field),
      inProgress: (field, retryAfterSeconds) => new IdempotencyInProgressError(field, retryAfterSeconds),
      // As it is: Signet's error formatting classifies a driver's failure (SERVICE_UNAVAILABLE, a
      // COMMIT with no answer as COMMIT_OUTCOME_UNKNOWN) and logs it; the client never sees its words.
      transactionFailed: (error) => (error instanceof Error ? error : new Error(String(error))),
    },
    onEvent: (context, event) => report(deps, warnings, context.requestId, event),
    faults: deps.faults,
  });
}

/** The response keys of the root fields this request's `@idempotent` replayed (`extensions.idempotentReplay`). */
export function replayedResponseKeys(http: HttpExchange): string[] {
  const replays = http.responseExtensions.idempotentReplay;
  if (typeof replays !== 'object' || replays === null) return [];
  return Object.entries(replays).filter(([, replayed]) => replayed === true).map(([responseKey]) => responseKey);
}

/**
 * The unit of work as the executor's transaction runner: each run is a top-level transaction
 * whose nested ones (the service's own `transaction()`) join it flat, with no savepoint. It
 * rejects only when the transaction rolled back, as the executor requires: a task after the
 * commit that fails is reported by the unit of work, never thrown (TransactionScope.afterCommit).
 */
function joinedTransactions(uow: UnitOfWork): TransactionRunner {
  return { runInTransaction: (work) => uow.transaction((_repo, scope) => work(scope), { nested: 'join' }) };
}

/**
 * Counts an idempotency outcome and logs it (with its scope, never the arguments); a store's
 * failure goes to `warnings` (counted each, logged at most once a minute: an outage meets every call).
 */
function report(deps: DirectiveDeps, warnings: DependencyWarnings, requestId: string, event: IdempotentFieldEvent): void {
  const { metrics, logger } = deps;
  switch (event.kind) {
    case 'executed':
    case 'key_required':
      metrics.idempotency.inc({ outcome: event.kind });
      return;
    case 'replayed':
      metrics.idempotency.inc({ outcome: 'replayed' });
      logger.info({ event: 'idempotent_replay', reqId: requestId, scope: event.scopeKey, source: event.source }, 'idempotent call replayed');
      return;
    case 'key_reused':
      metrics.idempotency.inc({ outcome: 'key_reused' });
      logger.info({ event: 'idempotency_key_reused', reqId: requestId, scope: event.scopeKey, source: event.source }, 'idempotency key reused with other arguments');
      return;
    case 'in_progress':
      metrics.idempotency.inc({ outcome: 'in_progress' });
      logger.info({ event: 'idempotency_in_progress', reqId: requestId, scope: event.scopeKey }, 'idempotent call already in progress');
      return;
    case 'store_unavailable':
      warnings.failed({ dependency: 'idempotency-store', operation: 'claim', error: event.error, level: 'error', reqId: requestId }, 'idempotency store unavailable; refusing keyed mutation');
      return;
    case 'records_unavailable':
      warnings.failed({ dependency: 'idempotency-records', operation: 'record', error: event.error, level: 'error', reqId: requestId }, 'idempotency records unavailable; refusing keyed mutation (nothing committed)');
      return;
    case 'transaction_failed':
      // Answered with the error itself (transactionFailed above), which the error formatting logs.
      return;
    case 'store_write_failed':
      warnings.failed({ dependency: 'idempotency-store', operation: event.operation, error: event.error, reqId: requestId }, `idempotency store ${event.operation} failed; the durable record still decides`);
      return;
    case 'record_conflict':
      logger.info({ event: 'idempotency_record_conflict', reqId: requestId, scope: event.scopeKey }, 'another execution committed first; replaying it');
      return;
    case 'lease_lost':
      logger.warn({ event: 'idempotency_lease_lost', reqId: requestId, scope: event.scopeKey }, 'lease expired before completion; outcome not cached');
      return;
  }
}
