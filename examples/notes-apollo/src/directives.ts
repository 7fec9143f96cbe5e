/**
 * The three Signet directives, wired into the notes schema by their package names. Each takes
 * from this server only functions: who the caller is, the headers, the stores, its errors. None
 * of them sees `NotesContext` as a type of its own.
 *
 * Applied innermost first, so at run time a field goes through `@signed`, then `@rateLimit`,
 * then `@idempotent`, then its resolver: a refused signature, scope or limit never touches an
 * idempotency key.
 */
import { idempotentDirectiveTypeDefs, idempotentTransformer } from '@signet/directive-idempotent';
import { accountIdentity, ipIdentity, rateLimitTransformer, rateLimitTypeDefs } from '@signet/directive-rate-limit';
import { signedDirectiveTypeDefs, signedTransformer } from '@signet/directive-signed';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS, type IdempotencyRecordStore, type TransactionRunner } from '@signet/idempotency';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { NotesContext } from './context';
import { forbidden, rateLimited, unauthenticated, unavailable } from './errors';
import { jsonOutcomeCodec } from './outcome-codec';
import type { Stores } from './stores';

/** The directives' declarations, for `typeDefs`. */
export const directiveTypeDefs = [signedDirectiveTypeDefs(), rateLimitTypeDefs(), idempotentDirectiveTypeDefs()].join('\n');

/** What the directives run on. */
export interface DirectiveDeps {
  readonly stores: Stores;
  /** Durable records, committed with the effect (`@signet/idempotency`'s memory record store here). */
  readonly records: IdempotencyRecordStore;
  readonly transactions: TransactionRunner;
  readonly now: () => number;
}

/** The schema with `@signed`, `@rateLimit` and `@idempotent` enforced. */
export function applyDirectives(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  const idempotent = idempotentTransformer<NotesContext>(schema, {
    scope: (context) => context.principal?.account,
    header: (context, name) => context.headers[name],
    store: () => deps.stores.idempotency,
    markReplayed: (context, responseKey) => context.replayed.push(responseKey),
    codec: () => jsonOutcomeCodec<NotesContext>(),
    records: deps.records,
    transactions: deps.transactions,
    retentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
    now: deps.now,
    errors: {
      unavailable: () => unavailable('Idempotency is unavailable; nothing was executed. Retry later with the same key.'),
      keyReused: (field) => new GraphQLError(`This idempotency key was already used for ${field} with other arguments.`, { extensions: { code: 'IDEMPOTENCY_KEY_REUSED' } }),
      inProgress: (field, retryAfter) =>
        new GraphQLError(`A ${field} call with this idempotency key is in progress; retry with the same key.`, { extensions: { code: 'IDEMPOTENCY_IN_PROGRESS', retryable: true, retryAfter } }),
      invalidKey: (reason) => new GraphQLError(`Invalid idempotency key: ${reason}.`, { extensions: { code: 'BAD_USER_INPUT' } }),
      keyRequired: (field) => new GraphQLError(`${field} requires an Idempotency-Key.`, { extensions: { code: 'IDEMPOTENCY_KEY_REQUIRED' } }),
      unauthenticated: (field) => new GraphQLError(`${field} requires a signed request.`, { extensions: { code: 'UNAUTHENTICATED' } }),
    },
  });

  const limited = rateLimitTransformer<NotesContext>(idempotent, {
    identify: (context) => (context.principal ? accountIdentity(context.principal.account) : ipIdentity(context.clientAddress)),
    store: () => deps.stores.rateLimits,
    fallback: deps.stores.fallbackRateLimits,
    limited: (_decision, details) => rateLimited(details),
    unavailable: () => unavailable('Rate limiting is unavailable; nothing was executed. Retry later.'),
    onDecision: (context, entry) => context.rateLimits.push(entry),
  });

  return signedTransformer<NotesContext>(limited, { principal: (context) => context.principal, unauthenticated, forbidden });
}
