/**
 * `@rateLimit` is declared on object fields only. graphql-js runs the implementing object's field,
 * never the interface field, and a limit inherited from an interface would be ambiguous: one
 * counter shared by every implementing type, or one per type (the policy is `Type.field`)? So a
 * limit on an interface field is refused when the schema is built rather than silently ignored.
 */
import { getDirective } from '@graphql-tools/utils';
import { isInterfaceType, type GraphQLSchema } from 'graphql';

/** Throws when any interface field carries the directive, naming it and its implementing fields. */
export function refuseInterfaceFieldLimits(schema: GraphQLSchema, directiveName: string): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (getDirective(schema, field, directiveName)?.[0] === undefined) continue;
      const { objects, interfaces } = schema.getImplementations(type);
      const implementing = [...objects, ...interfaces].map((t) => `${t.name}.${field.name}`);
      throw new Error(
        `@${directiveName} on interface field ${type.name}.${field.name} would not be enforced (graphql-js runs the implementing `
        + `types' fields). Declare the limit on each implementing field instead${implementing.length > 0 ? ` (${implementing.join(', ')})` : ''}.`,
      );
    }
  }
}
