/**
 * The effective `@signed` requirement of a field. graphql-js runs an object type's own field, never
 * the interface field it implements, so a `@signed` on an interface field binds every implementing
 * field: the field requires its own scopes and those of each interface field of the same name
 * (the strictest wins: the union).
 */
import { getDirective } from '@graphql-tools/utils';
import { isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { signedDirectiveName, type SignedDirectiveOptions } from './signed.directive';

/**
 * The scopes a call of `typeName.fieldName` requires, from its own `@signed` and from the
 * `@signed` of every interface field it implements; undefined when none of them is signed. An
 * interface type's field gets the same (its own and its interfaces').
 */
export function requiredScopes(schema: GraphQLSchema, typeName: string, fieldName: string, options: SignedDirectiveOptions = {}): string[] | undefined {
  const type = schema.getType(typeName);
  if (!isObjectType(type) && !isInterfaceType(type)) return undefined;
  const name = signedDirectiveName(options);
  let scopes: string[] | undefined;
  for (const owner of [type, ...type.getInterfaces()]) {
    const field = owner.getFields()[fieldName];
    const applied = field === undefined ? undefined : getDirective(schema, field, name)?.[0];
    if (!applied) continue;
    scopes ??= [];
    for (const scope of applied.scopes as string[]) if (!scopes.includes(scope)) scopes.push(scope);
  }
  return scopes;
}
