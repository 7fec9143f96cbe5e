/**
 * Signet's `@signed(scopes:)`: `@signet/directive-signed` with the schema's `Scope` enum, the
 * request's verified principal and Signet's UNAUTHENTICATED / FORBIDDEN errors.
 */
import { signedDirective as declareSigned, signedTransformer as transformSigned, type SignedDirectiveOptions } from '@signet/directive-signed';
import type { GraphQLDirective, GraphQLSchema } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../../errors';
import type { DirectiveContext } from '../directive-context';

export { describeSignedFields, requiredScopes, signedOnlyFields, type SignedOnly } from '@signet/directive-signed';

/** The directive as Signet declares it: `@signed`, its scopes typed by the schema's `Scope` enum. */
export const SIGNED_OPTIONS: SignedDirectiveOptions = Object.freeze({ name: 'signed', scopeType: 'Scope' });

/** The `@signed` declaration against the schema's own `Scope` enum. */
export function signedDirective(schema: GraphQLSchema): GraphQLDirective {
  return declareSigned(schema, SIGNED_OPTIONS);
}

/**
 * Wraps each `@signed` field: no verified principal → UNAUTHENTICATED at the field; a key
 * without a listed scope → FORBIDDEN naming the missing scopes (`extensions.missingScopes`).
 */
export function signedTransformer(schema: GraphQLSchema): GraphQLSchema {
  return transformSigned<DirectiveContext>(schema, {
    ...SIGNED_OPTIONS,
    principal: (context) => context.principal,
    unauthenticated: (info) => new UnauthenticatedError(`${info.fieldName} requires a signed request.`),
    forbidden: (missing, info) =>
      new ForbiddenError(`${info.fieldName} requires scope ${missing.join(' and ')}; the signing key lacks it.`, { missingScopes: missing }),
  });
}
