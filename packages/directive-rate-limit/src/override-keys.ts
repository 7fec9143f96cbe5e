/**
 * `overrides` are keyed by `Type.field`. A key that names no field carrying the directive (a typo
 * such as `Query.Search`, a field whose limit was removed) would change nothing, silently: an
 * operator tightening a limit in an emergency would believe it done. So it is refused when the
 * schema is built, as a bad `max` or `window` is.
 */
import { getDirective } from '@graphql-tools/utils';
import { isObjectType, type GraphQLSchema } from 'graphql';

/** Throws when a key of `overrides` is not the `Type.field` of an object field carrying the directive. */
export function refuseUnknownOverrideKeys(schema: GraphQLSchema, directiveName: string, overrides: Readonly<Record<string, unknown>> | undefined): void {
  const keys = Object.keys(overrides ?? {});
  if (keys.length === 0) return;
  const limited = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (getDirective(schema, field, directiveName)?.[0] !== undefined) limited.add(`${type.name}.${field.name}`);
    }
  }
  const unknown = keys.filter((key) => !limited.has(key));
  if (unknown.length === 0) return;
  throw new Error(
    `rateLimitTransformer: overrides name ${unknown.map((key) => JSON.stringify(key)).join(', ')}, not a field with @${directiveName}`
    + ` (fields with it: ${[...limited].sort().join(', ') || 'none'})`,
  );
}
