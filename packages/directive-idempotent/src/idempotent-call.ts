import { fingerprintArguments, idempotencyScopeKey } from '@signet/idempotency';
import { explicitArguments, type CanonicalScalar, type InputValueDefinition } from './explicit-arguments';

/** What identifies one keyed call: the scope its key lives in, and the fingerprint of its arguments. */
export interface IdempotentCallIdentity {
  readonly scopeKey: string;
  readonly fingerprint: string;
}

/**
 * The identity of a keyed call of `field` by `scope` (whom keys belong to, e.g. an account) with
 * the client's `key` and the field's coerced `args`. The directive claims with it; a host that
 * claims ahead of execution (Signet's admission) must derive it here too, or the directive
 * would not recognise the claim as its own.
 *
 * `args` are graphql-js's coerced arguments: plain objects, which the fingerprint accepts
 * (type-graphql, for one, builds its input class instances later, inside `resolve`).
 * `argumentDefinitions` are the field's declared arguments (`GraphQLField.args`): values equal
 * to their defaults are left out of the fingerprint (explicitArguments), so a retry across a
 * deploy that adds a defaulted argument or input field is still the same call. `canonicalScalar`
 * (the directive's option of that name) maps scalar values the host treats as one to one form.
 */
export function idempotentCallIdentity(call: {
  scope: string; field: string; key: string; args: Record<string, unknown>; argumentDefinitions: readonly InputValueDefinition[];
  canonicalScalar?: CanonicalScalar;
}): IdempotentCallIdentity {
  return {
    scopeKey: idempotencyScopeKey({ scope: call.scope, field: call.field, key: call.key }),
    fingerprint: fingerprintArguments(explicitArguments(call.args, call.argumentDefinitions, call.canonicalScalar)),
  };
}
