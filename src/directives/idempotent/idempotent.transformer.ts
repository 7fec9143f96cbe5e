import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { DirectiveDeps } from '../deps';
import type { DirectiveContext } from '../directive-context';
import { BadUserInputError, UnauthenticatedError } from '../../errors';
import { fingerprintArguments } from './fingerprint';
import { IdempotencyKeyRequiredError } from './idempotency-errors';
import { idempotencyScopeKey, type ClaimResult } from './idempotency-store';
import { admittedRootField, type AdmittedField } from '../admitted-fields';
import { idempotentRequirement } from './idempotent.directive';
import { executeIdempotent } from './idempotent-execution';
import { entityKindOf } from './idempotent-outcome';
import { keyDecisionFor } from './operation-keys';

/** The lease the request's admission took for this very call, if it took one; taking it marks it used. */
function takeAdmittedLease(admitted: AdmittedField | undefined, scopeKey: string, fingerprint: string): ClaimResult | undefined {
  const lease = admitted?.lease;
  if (!lease || lease.taken || lease.scopeKey !== scopeKey || lease.fingerprint !== fingerprint) return undefined;
  lease.taken = true;
  return lease.claim;
}

/**
 * Wraps each Mutation field whose definition carries `@idempotent`:
 *
 * - the key comes from `@idempotent(key:)` on the field in the operation, else from the
 *   `Idempotency-Key` header (only when the operation has exactly one keyed mutation);
 *   a malformed, ambiguous or duplicated key → BAD_USER_INPUT, nothing runs;
 * - no key: IDEMPOTENCY_KEY_REQUIRED when the schema says `required: true`, else the resolver
 *   runs as if the directive were absent;
 * - with a key: at most one execution per (account, field, key) and fingerprint of the coerced
 *   arguments; see {@link executeIdempotent} for the fast and durable paths.
 *
 * It runs inside `@signed` (and `@rateLimit`), so refused signatures, scopes and limits never
 * touch the key: they fail before it is claimed.
 *
 * @throws Error at build time when the directive is on a field it cannot make idempotent
 *   (not a Mutation field, or a payload without an order/transfer/apiKey and userErrors).
 */
export function idempotentTransformer(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  const mutationType = schema.getMutationType()?.name;
  // Filled while mapSchema visits the fields, read only when requests run (after the map).
  const keyed = new Set<string>();
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const requirement = idempotentRequirement(schema, field);
      if (!requirement) return field;
      if (typeName !== mutationType) throw new Error(`@idempotent on ${typeName}.${fieldName}: only Mutation fields can be idempotent`);
      const kind = entityKindOf(field.type);
      if (!kind) throw new Error(`@idempotent on ${typeName}.${fieldName}: the payload has no order, transfer or apiKey with userErrors to replay`);
      keyed.add(fieldName);
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        async resolve(source, args, context: DirectiveContext, info) {
          const decision = keyDecisionFor(info, context.http, keyed);
          if (decision.kind === 'invalid') throw new BadUserInputError(`Invalid idempotency key: ${decision.reason}.`);
          if (decision.kind === 'none') {
            if (!requirement.required) return resolve(source, args, context, info);
            deps.metrics.idempotency.inc({ outcome: 'key_required' });
            throw new IdempotencyKeyRequiredError(fieldName);
          }
          // @signed runs first; this guards a schema where the field is not signed.
          const principal = context.principal;
          if (!principal) throw new UnauthenticatedError(`${fieldName} requires a signed request.`);
          const scopeKey = idempotencyScopeKey({ accountId: principal.accountId, field: fieldName, key: decision.key });
          // graphql-js coerces arguments into plain objects (type-graphql builds its input
          // class instances later, inside `resolve`), which is what the fingerprint accepts.
          const fingerprint = fingerprintArguments(args);
          return executeIdempotent({
            deps, context, accountId: principal.accountId, field: fieldName, responseKey: String(info.path.key), kind, scopeKey, fingerprint,
            execute: async () => resolve(source, args, context, info),
            claimed: takeAdmittedLease(admittedRootField(context, info), scopeKey, fingerprint),
          });
        },
      };
    },
  });
}
