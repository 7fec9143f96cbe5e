/**
 * The `@signed` behaviour and its documentation. The host says who the caller is and which errors
 * to raise; this file knows nothing of its context, its error classes or how it verifies requests.
 */
import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { requiredScopes } from './required-scopes';
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

/**
 * The scopes a field's own `@signed` asks for, or undefined when it carries none. What a call of
 * an object field requires also counts the interface fields it implements: {@link requiredScopes}.
 */
export function signedScopes(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>, options: SignedDirectiveOptions = {}): string[] | undefined {
  const applied = getDirective(schema, field, signedDirectiveName(options))?.[0];
  return applied ? (applied.scopes as string[]) : undefined;
}

/**
 * Adds "Requires a signed request with scope X." to each signed field's description (docs,
 * playground, codegen): the effective requirement ({@link requiredScopes}), so an object field
 * that implements a `@signed` interface field says so too.
 */
export function describeSignedFields(schema: GraphQLSchema, options: SignedDirectiveOptions = {}): GraphQLSchema {
  const describe = (field: GraphQLFieldConfig<unknown, unknown>, fieldName: string, typeName: string): GraphQLFieldConfig<unknown, unknown> => {
    const scopes = requiredScopes(schema, typeName, fieldName, options);
    if (!scopes) return field;
    const requirement = `Requires a signed request with scope ${scopes.join(' and ')}.`;
    return { ...field, description: field.description ? `${field.description}\n\n${requirement}` : requirement };
  };
  return mapSchema(schema, { [MapperKind.OBJECT_FIELD]: describe, [MapperKind.INTERFACE_FIELD]: describe });
}

/**
 * Wraps each field that requires a signature ({@link requiredScopes}: its own `@signed` or one of
 * an interface field it implements): no principal → the host's `unauthenticated` error at the
 * field; a caller without a required scope → its `forbidden` error naming the missing scopes.
 * Nothing else runs then. On the subscription type the check also guards `subscribe` (the
 * field's own, else graphql-js's default), so a refused caller's source stream is never created.
 */
export function signedTransformer<Context>(schema: GraphQLSchema, options: SignedTransformerOptions<Context>): GraphQLSchema {
  const { principal, unauthenticated, forbidden } = options;
  if (typeof principal !== 'function' || typeof unauthenticated !== 'function' || typeof forbidden !== 'function') {
    throw new TypeError('signedTransformer needs principal, unauthenticated and forbidden');
  }
  // A name the schema does not declare would guard nothing, silently: every field would run unsigned.
  const name = signedDirectiveName(options);
  if (!schema.getDirective(name)) throw new Error(`signedTransformer: the schema declares no @${name} directive; add signedDirectiveTypeDefs({ name: '${name}' }) to its typeDefs, or pass the name its typeDefs use`);
  const subscriptionType = schema.getSubscriptionType()?.name;
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const scopes = requiredScopes(schema, typeName, fieldName, options);
      if (!scopes) return field;
      const guard = (next: GraphQLFieldResolver<unknown, Context>): GraphQLFieldResolver<unknown, Context> => (source, args, context, info) => {
        const caller = principal(context);
        if (!caller) throw unauthenticated(info);
        const missing = scopes.filter((s) => !caller.scopes.includes(s));
        if (missing.length > 0) throw forbidden(missing, info);
        return next(source, args, context, info);
      };
      const guarded = { ...field, resolve: guard(field.resolve ?? defaultFieldResolver) };
      return typeName === subscriptionType ? { ...guarded, subscribe: guard(field.subscribe ?? defaultFieldResolver) } : guarded;
    },
  });
}
