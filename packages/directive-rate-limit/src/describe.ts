import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { refuseInterfaceFieldLimits } from './interface-limits';
import { DEFAULT_RATE_LIMIT_DIRECTIVE, type RateLimitArgs } from './rate-limit.directive';

/** The `@rateLimit` of a field definition (`Type.field`), for docs and tests; undefined when it has none. */
export function describeRateLimit(schema: GraphQLSchema, typeName: string, fieldName: string, directiveName = DEFAULT_RATE_LIMIT_DIRECTIVE): RateLimitArgs | undefined {
  const type = schema.getType(typeName);
  const field = type && 'getFields' in type ? (type.getFields() as Record<string, { astNode?: unknown }>)[fieldName] : undefined;
  return field ? (getDirective(schema, field as never, directiveName)?.[0] as RateLimitArgs | undefined) : undefined;
}

/** How {@link describeRateLimitedFields} words its notes. */
export interface RateLimitNoteOptions {
  /** The directive's name; defaults to `rateLimit`. */
  readonly directiveName?: string;
  /** Who a field's limit is counted per, e.g. "per account"; defaults to "per caller". */
  identity?(typeName: string, fieldName: string): string;
}

/**
 * Adds "Rate limit: N per W <identity>." to each limited field's description, so docs,
 * playgrounds and generated clients show it. Pure: returns a new schema. Throws, as the
 * transformer does, on a limit declared on an interface field.
 */
export function describeRateLimitedFields(schema: GraphQLSchema, options: RateLimitNoteOptions = {}): GraphQLSchema {
  const directiveName = options.directiveName ?? DEFAULT_RATE_LIMIT_DIRECTIVE;
  refuseInterfaceFieldLimits(schema, directiveName);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const applied = getDirective(schema, field, directiveName)?.[0] as RateLimitArgs | undefined;
      if (!applied) return field;
      const identity = options.identity?.(typeName, fieldName) ?? 'per caller';
      const note = `Rate limit: ${applied.max} per ${applied.window} ${identity}.`;
      return { ...field, description: field.description ? `${field.description}\n\n${note}` : note };
    },
  });
}
