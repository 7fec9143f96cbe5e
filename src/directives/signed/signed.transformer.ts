import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import type { DirectiveContext } from '../directive-context';
import { ForbiddenError, UnauthenticatedError } from '../../errors';
import { SIGNED } from './signed.directive';

/** The scopes a field's `@signed` asks for, or undefined when it is not signed. */
export function signedScopes(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>): string[] | undefined {
  const applied = getDirective(schema, field, SIGNED)?.[0];
  return applied ? (applied.scopes as string[]) : undefined;
}

/** Adds "Requires a signed request with scope X." to each signed field's description (docs, playground, codegen). */
export function describeSignedFields(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const scopes = signedScopes(schema, field);
      if (!scopes) return field;
      const requirement = `Requires a signed request with scope ${scopes.join(' and ')}.`;
      return { ...field, description: field.description ? `${field.description}\n\n${requirement}` : requirement };
    },
  });
}

/**
 * Wraps each `@signed` field: no verified principal → UNAUTHENTICATED at the field; a key
 * without a listed scope → FORBIDDEN naming the missing scopes. Nothing else runs then.
 */
export function signedTransformer(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const scopes = signedScopes(schema, field);
      if (!scopes) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve(source, args, context: DirectiveContext, info) {
          const principal = context.principal;
          if (!principal) throw new UnauthenticatedError(`${info.fieldName} requires a signed request.`);
          const missing = scopes.filter((s) => !principal.scopes.includes(s as never));
          if (missing.length > 0) {
            throw new ForbiddenError(`${info.fieldName} requires scope ${missing.join(' and ')}; the signing key lacks it.`, { missingScopes: missing });
          }
          return resolve(source, args, context, info);
        },
      };
    },
  });
}
