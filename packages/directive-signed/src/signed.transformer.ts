/**
 * The `@signed` behaviour and its documentation. The host says who the caller is and which errors
 * to raise; this file knows nothing of its context, its error classes or how it verifies requests.
 */
import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { signedDirectiveName, type SignedDirectiveOptions } from './signed.directive';

/** The caller of a request whose signature was verified, as far as `@signed` cares. */
export interface SignedPrincipal {
  readonly scopes: readonly string[];
}

/** What the transformer takes from the host. */
export interface SignedTransformerOptions<Context> extends SignedDirectiveOptions {
  /** The verified caller of this request, or null/undefined when it was not signed (or not verified). */
  principal(context: Context): SignedPrincipal | null | undefined;
  /** The error a `@signed` field raises for an unsigned request. */
  unauthenticated(info: GraphQLResolveInfo): Error;
  /** The error a `@signed` field raises when the caller lacks scopes (`missingScopes`, in the order the field lists them). */
  forbidden(missingScopes: readonly string[], info: GraphQLResolveInfo): Error;
}

/** The scopes a field's `@signed` asks for, or undefined when it is not signed. */
export function signedScopes(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>, options: SignedDirectiveOptions = {}): string[] | undefined {
  const applied = getDirective(schema, field, signedDirectiveName(options))?.[0];
  return applied ? (applied.scopes as string[]) : undefined;
}

/** Adds "Requires a signed request with scope X." to each signed field's description (docs, playground, codegen). */
export function describeSignedFields(schema: GraphQLSchema, options: SignedDirectiveOptions = {}): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const scopes = signedScopes(schema, field, options);
      if (!scopes) return field;
      const requirement = `Requires a signed request with scope ${scopes.join(' and ')}.`;
      return { ...field, description: field.description ? `${field.description}\n\n${requirement}` : requirement };
    },
  });
}

/**
 * Wraps each `@signed` field: no principal → the host's `unauthenticated` error at the field; a
 * caller without a listed scope → its `forbidden` error naming the missing scopes. Nothing else
 * runs then.
 */
export function signedTransformer<Context>(schema: GraphQLSchema, options: SignedTransformerOptions<Context>): GraphQLSchema {
  const { principal, unauthenticated, forbidden } = options;
  if (typeof principal !== 'function' || typeof unauthenticated !== 'function' || typeof forbidden !== 'function') {
    throw new TypeError('signedTransformer needs principal, unauthenticated and forbidden');
  }
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const scopes = signedScopes(schema, field, options);
      if (!scopes) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve(source, args, context: Context, info) {
          const caller = principal(context);
          if (!caller) throw unauthenticated(info);
          const missing = scopes.filter((s) => !caller.scopes.includes(s));
          if (missing.length > 0) throw forbidden(missing, info);
          return resolve(source, args, context, info);
        },
      };
    },
  });
}
