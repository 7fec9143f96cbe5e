import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLOutputType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import {
  createIdempotentExecutor,
  type IdempotencyErrors,
  type IdempotencyEvent,
  type IdempotencyFaults,
  type IdempotencyRecordStore,
  type IdempotencyStore,
  type TransactionRunner,
} from '@signet/idempotency';
import { DEFAULT_IDEMPOTENT_DIRECTIVE_NAME, idempotentRequirement } from './idempotent.directive';
import type { CanonicalScalar } from './explicit-arguments';
import { idempotentCallIdentity } from './idempotent-call';
import { keyDecisions, type FieldKeyDecision } from './operation-keys';

/** A keyed field, as the host's codec factory sees it at build time. */
export interface IdempotentFieldInfo {
  readonly typeName: string;
  readonly fieldName: string;
  /** The field's result type (e.g. a payload with the entity and user errors). */
  readonly type: GraphQLOutputType;
}

/** The host's outcome codec of one field; `replay` gets the request and the scope, to re-read what the outcome names. */
export interface FieldOutcomeCodec<TContext> {
  /** The outcome to store for a resolver's result; throws for a result it cannot replay (nothing is then recorded). */
  encode(result: unknown): string;
  /** Whether an outcome is a refusal with no effect to keep (see `OutcomeCodec.isRefusal`). */
  isRefusal(outcome: string): boolean;
  /** The field's result on a replay, from a stored outcome, for the caller `scope`. */
  replay(outcome: string, call: { readonly context: TContext; readonly scope: string }): Promise<unknown>;
}

/** The host's errors: the executor's, and the directive's own refusals (nothing ran for any of them). */
export interface IdempotentDirectiveErrors extends IdempotencyErrors {
  /** The key is malformed, ambiguous or used twice in the operation; `reason` never echoes the key. */
  invalidKey(reason: string): Error;
  /** The field requires a key and got none. */
  keyRequired(field: string): Error;
  /** A key was given but `scope` found no caller to scope it to. */
  unauthenticated(field: string): Error;
}

/** What happened to a keyed field, for the host's metrics and logs: the executor's events with the call's scope, or a missing required key. */
export type IdempotentFieldEvent =
  | (IdempotencyEvent & { readonly field: string; readonly scopeKey: string })
  | { readonly kind: 'key_required'; readonly field: string };

/** What the directive takes from its host. `TContext` is the server's per-request context (one object per request). */
export interface IdempotentDirectiveOptions<TContext extends object> {
  /** The directive's name in the schema. Defaults to `idempotent`. */
  readonly name?: string;
  /** Whom the call's key belongs to (an account or principal id); undefined → `errors.unauthenticated`. */
  scope(context: TContext, info: GraphQLResolveInfo): string | undefined;
  /**
   * One request header by its lower-case `name` (the directive asks for `idempotency-key`):
   * absent, its value, or its values when repeated (Node's `req.headers[name]` as is; Fetch's
   * `headers.get(name) ?? undefined`, which joins repeats with `, `, refused as two keys alike).
   */
  header(context: TContext, name: string): string | string[] | undefined;
  /**
   * The HTTP request the operation came in: one object shared by every operation of a batched
   * request (Node's `req`, Fetch's `Request`), each of which gets its own context. With it, the
   * `Idempotency-Key` header keys one operation per HTTP request: another operation of the batch
   * that would take its key from the header is refused (`errors.invalidKey`), as two keyed fields
   * of one operation are. A server that allows batched requests must give it (Apollo Server's
   * `allowBatchedHttpRequests`, graphql-yoga's `batching`); without it each operation of a batch
   * reads the header as its own, and the second becomes a replay of the first.
   */
  request?(context: TContext): object | undefined;
  /** The fast-path store this call claims with: the shared one, or a request-scoped wrapper of it. */
  store(context: TContext, info: GraphQLResolveInfo): IdempotencyStore;
  /** Told that the result of the root field at `responseKey` is a replay (e.g. to set an `Idempotent-Replayed` header). */
  markReplayed(context: TContext, responseKey: string): void;
  /**
   * The canonical form of scalar values in the fingerprint (see `CanonicalScalar`): without it a
   * retry that writes an id in another case, when the resolvers treat ids case-insensitively, is
   * refused as a key reuse. A host that claims ahead of execution passes the same function to
   * `idempotentCallIdentity`.
   */
  readonly canonicalScalar?: CanonicalScalar;
  /** The outcome codec of a keyed field; throws, saying why, for a field whose results it cannot replay. */
  codec(field: IdempotentFieldInfo): FieldOutcomeCodec<TContext>;
  /** Durable records, committed with the effect. */
  readonly records: IdempotencyRecordStore;
  /** Runs the resolver and the record's insert in one transaction. */
  readonly transactions: TransactionRunner;
  /** How long an outcome is kept, in ms. */
  readonly retentionMs: number;
  /** Lease of an in-progress call, in ms (the executor's default unless set). */
  readonly leaseMs?: number;
  /** Clock in ms since the epoch. Defaults to `Date.now`. */
  readonly now?: () => number;
  /** When the durable record is read before executing (see `IdempotentExecutorOptions.lookupRecordFirst`). Defaults to `'when-incomplete'`. */
  readonly lookupRecordFirst?: 'when-incomplete' | 'always';
  readonly errors: IdempotentDirectiveErrors;
  /** Told what happened to each keyed call. */
  onEvent?(context: TContext, event: IdempotentFieldEvent): void;
  /** TEST ONLY crash points of the executor. */
  readonly faults?: IdempotencyFaults;
}

/**
 * Wraps each Mutation field whose definition carries the directive:
 *
 * - the key comes from `@idempotent(key:)` on the field in the operation, else from the
 *   `Idempotency-Key` header (only when the operation has exactly one keyed mutation);
 *   a malformed, ambiguous or duplicated key → `errors.invalidKey`, nothing runs;
 * - no key: `errors.keyRequired` when the schema says `required: true`, else the resolver
 *   runs as if the directive were absent;
 * - with a key: at most one execution per (scope, field, key) and fingerprint of the coerced
 *   arguments; see `createIdempotentExecutor` for the fast and durable paths.
 *
 * Apply it innermost, under the directives that may refuse a call (authentication, scopes, rate
 * limits): those refusals then never touch the key, failing before it is claimed.
 *
 * @throws Error at build time when the directive is on a field it cannot make idempotent
 *   (not a Mutation field, or a field the host's codec refuses).
 */
export function idempotentTransformer<TContext extends object>(schema: GraphQLSchema, options: IdempotentDirectiveOptions<TContext>): GraphQLSchema {
  const name = options.name ?? DEFAULT_IDEMPOTENT_DIRECTIVE_NAME;
  // A name the schema does not declare would key nothing, silently (`required: true` unenforced).
  if (!schema.getDirective(name)) throw new Error(`idempotentTransformer: the schema declares no @${name} directive; add idempotentDirectiveTypeDefs('${name}') to its typeDefs, or pass the name its typeDefs use`);
  const mutationType = schema.getMutationType()?.name;
  const execute = createIdempotentExecutor(options);
  // Filled while mapSchema visits the fields, read only when requests run (after the map).
  const keyed = new Set<string>();
  const decisionFor = keyDecisionCache<TContext>(options, keyed, name);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const requirement = idempotentRequirement(schema, field, name);
      if (!requirement) return field;
      if (typeName !== mutationType) throw new Error(`@${name} on ${typeName}.${fieldName}: only Mutation fields can be idempotent`);
      let codec: FieldOutcomeCodec<TContext>;
      try {
        codec = options.codec({ typeName, fieldName, type: field.type });
      } catch (error) {
        throw new Error(`@${name} on ${typeName}.${fieldName}: ${(error as Error).message}`);
      }
      keyed.add(fieldName);
      const resolve = field.resolve ?? defaultFieldResolver;
      const argumentDefinitions = Object.entries(field.args ?? {}).map(([argName, arg]) => ({ name: argName, type: arg.type, defaultValue: arg.defaultValue }));
      return {
        ...field,
        async resolve(source, args, context: TContext, info) {
          const decision = decisionFor(context, info);
          if (decision.kind === 'invalid') throw options.errors.invalidKey(decision.reason);
          if (decision.kind === 'none') {
            if (!requirement.required) return resolve(source, args, context, info);
            options.onEvent?.(context, { kind: 'key_required', field: fieldName });
            throw options.errors.keyRequired(fieldName);
          }
          // The host's authentication usually runs first; this guards a schema where it does not.
          const scope = options.scope(context, info);
          if (scope === undefined) throw options.errors.unauthenticated(fieldName);
          const { scopeKey, fingerprint } = idempotentCallIdentity({ scope, field: fieldName, key: decision.key, args, argumentDefinitions, canonicalScalar: options.canonicalScalar });
          const result = await execute({
            store: options.store(context, info), scopeKey, fingerprint, field: fieldName,
            execute: async () => resolve(source, args, context, info),
            codec: {
              encode: (value) => codec.encode(value),
              isRefusal: (outcome) => codec.isRefusal(outcome),
              replay: (outcome) => codec.replay(outcome, { context, scope }),
            },
            onEvent: (event) => options.onEvent?.(context, { ...event, field: fieldName, scopeKey }),
          });
          if (result.kind === 'replayed') options.markReplayed(context, String(info.path.key));
          return result.value;
        },
      };
    },
  });
}

/**
 * The key decision of the field being resolved. The operation's decisions are made once per
 * request (cached by its context object and operation: servers cache parsed documents, so one
 * operation node serves many requests with other variables and headers) and shared by its fields.
 * With `options.request`, the header keys the first operation of an HTTP request that uses it;
 * the batch's later operations that would take their key from it are refused.
 */
function keyDecisionCache<TContext extends object>(
  options: Pick<IdempotentDirectiveOptions<TContext>, 'header' | 'request'>, keyed: ReadonlySet<string>, name: string,
): (context: TContext, info: GraphQLResolveInfo) => FieldKeyDecision {
  const analyses = new WeakMap<TContext, { operation: GraphQLResolveInfo['operation']; decisions: ReadonlyMap<string, FieldKeyDecision> }>();
  // The context of the operation that took the header's key, per HTTP request.
  const headerTakenBy = new WeakMap<object, TContext>();
  return (context, info) => {
    let analysis = analyses.get(context);
    if (!analysis || analysis.operation !== info.operation) {
      const header = options.header(context, 'idempotency-key');
      let decisions = keyDecisions(info, header, keyed, name);
      const request = header === undefined ? undefined : options.request?.(context);
      if (request !== undefined) {
        // The fields that take their key from the header: keyed with it, keyless without it.
        const own = keyDecisions(info, undefined, keyed, name);
        const fromHeader = [...decisions].filter(([responseKey, d]) => d.kind === 'key' && own.get(responseKey)?.kind === 'none');
        const taker = headerTakenBy.get(request);
        if (fromHeader.length > 0 && taker === undefined) headerTakenBy.set(request, context);
        else if (fromHeader.length > 0 && taker !== context) {
          const refused = new Map(decisions);
          for (const [responseKey] of fromHeader) {
            refused.set(responseKey, { kind: 'invalid', reason: `the Idempotency-Key header applies to one keyed mutation per HTTP request and another operation of this batch used it; give each field its own @${name}(key: "…")` });
          }
          decisions = refused;
        }
      }
      analysis = { operation: info.operation, decisions };
      analyses.set(context, analysis);
    }
    return analysis.decisions.get(String(info.path.key)) ?? { kind: 'none' };
  };
}
