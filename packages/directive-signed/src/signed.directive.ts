/**
 * The `@signed(scopes: [...])` declaration: the field runs only for a request whose signature was
 * verified, by a key holding every listed scope. The directive name and the type of the scopes
 * are the host's: an enum of its schema (typed in SDL and introspection) or plain `String`.
 */
import { DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, GraphQLString, isEnumType, type GraphQLSchema } from 'graphql';

/** Default name of the directive in SDL. */
export const DEFAULT_SIGNED_DIRECTIVE_NAME = 'signed';

/** How a host names the directive and types its scopes. */
export interface SignedDirectiveOptions {
  /** The directive's name in SDL, without `@`. Defaults to `signed`. */
  readonly name?: string;
  /** The scopes' item type: the name of an enum the schema defines (e.g. `Scope`), or `String` (the default). */
  readonly scopeType?: string;
}

/** What the SDL form adds: the scope enum's values, when the typeDefs should declare that enum too. */
export interface SignedTypeDefsOptions extends SignedDirectiveOptions {
  /** Values of `scopeType`, declared as `enum <scopeType> { ... }` beside the directive. */
  readonly scopeValues?: readonly string[];
}

const DESCRIPTION = 'Requires a request signed (RFC 9421) with a key that holds every listed scope.';
const SCOPES_DESCRIPTION = 'Every scope the signing key must hold; a key lacking one is refused.';
const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** The directive's name, checked: it is pasted into SDL. */
export function signedDirectiveName(options: SignedDirectiveOptions = {}): string {
  const name = options.name ?? DEFAULT_SIGNED_DIRECTIVE_NAME;
  if (!NAME.test(name)) throw new TypeError(`directive name ${JSON.stringify(name)} is not a GraphQL name`);
  return name;
}

function scopeTypeName(options: SignedDirectiveOptions): string {
  const type = options.scopeType ?? 'String';
  if (!NAME.test(type)) throw new TypeError(`scopeType ${JSON.stringify(type)} is not a GraphQL name`);
  return type;
}

/**
 * The declaration as SDL, for schema-first servers (`makeExecutableSchema({ typeDefs: [signedDirectiveTypeDefs(), ...] })`):
 * `directive @signed(scopes: [String!]!) on FIELD_DEFINITION`, plus the scope enum when `scopeValues` is given.
 */
export function signedDirectiveTypeDefs(options: SignedTypeDefsOptions = {}): string {
  const name = signedDirectiveName(options);
  const scopeType = scopeTypeName(options);
  const directive = `"""${DESCRIPTION}"""\ndirective @${name}(\n  """${SCOPES_DESCRIPTION}"""\n  scopes: [${scopeType}!]!\n) on FIELD_DEFINITION\n`;
  if (options.scopeValues === undefined) return directive;
  if (scopeType === 'String') throw new TypeError('scopeValues needs scopeType: the name of the enum to declare');
  for (const value of options.scopeValues) if (!NAME.test(value)) throw new TypeError(`scope ${JSON.stringify(value)} is not a GraphQL enum value`);
  return `${directive}\nenum ${scopeType} {\n${options.scopeValues.map((value) => `  ${value}`).join('\n')}\n}\n`;
}

/**
 * The declaration as an object, for code-first schemas (type-graphql attaches applied directives
 * but not their definitions): built against the schema's own scope enum when `scopeType` names one.
 */
export function signedDirective(schema: GraphQLSchema, options: SignedDirectiveOptions = {}): GraphQLDirective {
  const scopeType = scopeTypeName(options);
  const scope = scopeType === 'String' ? GraphQLString : schema.getType(scopeType);
  if (scope !== GraphQLString && !isEnumType(scope)) throw new Error(`the schema has no ${scopeType} enum for @${signedDirectiveName(options)}`);
  return new GraphQLDirective({
    name: signedDirectiveName(options),
    description: DESCRIPTION,
    locations: [DirectiveLocation.FIELD_DEFINITION],
    args: { scopes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(scope))), description: SCOPES_DESCRIPTION } },
  });
}
