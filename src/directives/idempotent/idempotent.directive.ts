import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLString, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';

/** Name of the directive in SDL. */
export const IDEMPOTENT = 'idempotent';

/** SDL of the declaration, for readers of the schema file and the docs. */
export const IDEMPOTENT_DIRECTIVE_SDL = 'directive @idempotent(required: Boolean = false, key: String) on FIELD_DEFINITION | FIELD';

/**
 * `@idempotent`: one directive with two roles. On a mutation's definition (`FIELD_DEFINITION`)
 * the schema marks the field retry-safe and says whether a key is `required`; in an operation
 * (`FIELD`) a client gives that field its `key`, Shopify style, so one document can carry
 * several keyed mutations. `required` is only read from the schema and `key` only from the
 * operation: a client cannot waive a requirement.
 */
export function idempotentDirective(): GraphQLDirective {
  return new GraphQLDirective({
    name: IDEMPOTENT,
    description: 'Retry-safe mutation. In the schema: whether an idempotency key is required. In an operation: the key for this field (otherwise the Idempotency-Key header).',
    locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.FIELD],
    args: {
      required: { type: GraphQLBoolean, defaultValue: false, description: 'Schema only: calls without a key fail with IDEMPOTENCY_KEY_REQUIRED.' },
      key: { type: GraphQLString, description: 'Operation only: the idempotency key, 1-255 printable ASCII characters.' },
    },
  });
}

/** How a field's definition applies `@idempotent`: undefined when it does not. */
export function idempotentRequirement(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>): { required: boolean } | undefined {
  const applied = getDirective(schema, field, IDEMPOTENT)?.[0];
  return applied ? { required: applied.required === true } : undefined;
}

/** Adds "Idempotent: retry safely with an idempotency key (required|optional)." to each idempotent field's description. */
export function describeIdempotentFields(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const requirement = idempotentRequirement(schema, field);
      if (!requirement) return field;
      const line = `Idempotent: retry safely with an idempotency key (${requirement.required ? 'required' : 'optional'}).`;
      return { ...field, description: field.description ? `${field.description}\n\n${line}` : line };
    },
  });
}
