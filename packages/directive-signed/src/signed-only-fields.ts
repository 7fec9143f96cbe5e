/**
 * Which fields can only ever run for a signed request, found from the schema's shape.
 */
import { getNamedType, isInterfaceType, isObjectType, isUnionType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import { requiredScopes } from './required-scopes';
import type { SignedDirectiveOptions } from './signed.directive';

/** Whether a field of a type can only ever run for a verified (signed) request. */
export type SignedOnly = (typeName: string, fieldName: string) => boolean;

/**
 * Finds the fields that never run unsigned: `@signed` fields (their own `@signed` or that of an
 * interface field they implement), and every field of a type that is reachable from the root
 * types only through a `@signed` field (e.g. `Account`, reached only through `me`). Docs use it so a limit that can only be counted per account says so.
 */
export function signedOnlyFields(schema: GraphQLSchema, options: SignedDirectiveOptions = {}): SignedOnly {
  // The effective requirement: an object field implementing a `@signed` interface field is signed too.
  const isSigned = (typeName: string, fieldName: string): boolean => requiredScopes(schema, typeName, fieldName, options) !== undefined;
  const reachableUnsigned = new Set<string>();
  const pending: GraphQLNamedType[] = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((root): root is NonNullable<typeof root> => root != null);
  while (pending.length > 0) {
    const type = pending.pop() as GraphQLNamedType;
    if (reachableUnsigned.has(type.name)) continue;
    reachableUnsigned.add(type.name);
    if (isUnionType(type)) pending.push(...type.getTypes());
    if (isInterfaceType(type)) pending.push(...schema.getPossibleTypes(type));
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!isSigned(type.name, field.name)) pending.push(getNamedType(field.type));
      }
    }
  }
  return (typeName, fieldName) => isSigned(typeName, fieldName) || !reachableUnsigned.has(typeName);
}
