import { MapperKind, astFromDirective, getDirective, mapSchema, type DirectableGraphQLObject } from '@graphql-tools/utils';
import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLString, print, type GraphQLSchema } from 'graphql';

/** Name of the directive in SDL unless the host chooses another. */
export const DEFAULT_IDEMPOTENT_DIRECTIVE_NAME = 'idempotent';

/** SDL of the declaration (printed from {@link idempotentDirective}: the same descriptions), for SDL-first schemas (`typeDefs`), the schema file and the docs. */
export function idempotentDirectiveTypeDefs(name = DEFAULT_IDEMPOTENT_DIRECTIVE_NAME): string {
  return print(astFromDirective(idempotentDirective(name)));
}

/**
 * `@idempotent`: one directive with two roles. On a mutation's definition (`FIELD_DEFINITION`)
 * the schema marks the field retry-safe and says whether a key is `required`; in an operation
 * (`FIELD`) a client gives that field its `key`, Shopify style, so one document can carry
 * several keyed mutations. `required` is only read from the schema and `key` only from the
 * operation: a client cannot waive a requirement. For code-first schemas (the declaration
 * with its descriptions); SDL-first ones use {@link idempotentDirectiveTypeDefs}.
 */
export function idempotentDirective(name = DEFAULT_IDEMPOTENT_DIRECTIVE_NAME): GraphQLDirective {
  return new GraphQLDirective({
    name,
    description: 'Retry-safe mutation. In the schema: whether an idempotency key is required. In an operation: the key for this field (otherwise the Idempotency-Key header).',
    locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.FIELD],
    args: {
      required: { type: GraphQLBoolean, defaultValue: false, description: 'Schema only: calls without a key are refused.' },
      key: { type: GraphQLString, description: 'Operation only: the idempotency key, 1-255 printable ASCII characters.' },
    },
  });
}

/** How a field's definition (a field or its config) applies the directive: undefined when it does not. */
export function idempotentRequirement(
  schema: GraphQLSchema, field: DirectableGraphQLObject, name = DEFAULT_IDEMPOTENT_DIRECTIVE_NAME,
): { required: boolean } | undefined {
  const applied = getDirective(schema, field, name)?.[0];
  return applied ? { required: applied.required === true } : undefined;
}

/** Adds "Idempotent: retry safely with an idempotency key (required|optional)." to each idempotent field's description. */
export function describeIdempotentFields(schema: GraphQLSchema, name = DEFAULT_IDEMPOTENT_DIRECTIVE_NAME): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const requirement = idempotentRequirement(schema, field, name);
      if (!requirement) return field;
      const line = `Idempotent: retry safely with an idempotency key (${requirement.required ? 'required' : 'optional'}).`;
      return { ...field, description: field.description ? `${field.description}\n\n${line}` : line };
    },
  });
}
