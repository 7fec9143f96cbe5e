import { DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, isEnumType, type GraphQLSchema } from 'graphql';

/** Name of the directive in SDL. */
export const SIGNED = 'signed';

/** SDL of the declaration, for readers of the schema file and the docs. */
export const SIGNED_DIRECTIVE_SDL = 'directive @signed(scopes: [Scope!]!) on FIELD_DEFINITION';

/**
 * `@signed(scopes: [...])`: the field runs only for a request whose RFC 9421 signature was
 * verified, with a key holding every listed scope. Built against the schema's own `Scope`
 * enum so the arguments are typed in SDL and introspection.
 */
export function signedDirective(schema: GraphQLSchema): GraphQLDirective {
  const scope = schema.getType('Scope');
  if (!isEnumType(scope)) throw new Error('the schema has no Scope enum for @signed');
  return new GraphQLDirective({
    name: SIGNED,
    description: 'Requires a request signed (RFC 9421) with an active API key holding every listed scope.',
    locations: [DirectiveLocation.FIELD_DEFINITION],
    args: { scopes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(scope))), description: 'Every scope the signing key must hold; a key lacking one gets FORBIDDEN.' } },
  });
}
