/**
 * `@signed` on a schema-first server: the SDL it exports, and the transformer over the host's
 * principal and error factories (any context, any error classes, any directive name).
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, graphql, printSchema, type GraphQLSchema } from 'graphql';
import { describeSignedFields, signedDirective, signedDirectiveTypeDefs, signedScopes, signedTransformer, type SignedTransformerOptions } from '../src';

interface Ctx { readonly caller: { readonly scopes: readonly string[] } | null }

const hostErrors = {
  unauthenticated: (info: { fieldName: string }) => new GraphQLError(`${info.fieldName}: sign in`, { extensions: { code: 'NO_SIGNATURE' } }),
  forbidden: (missing: readonly string[]) => new GraphQLError('not allowed', { extensions: { code: 'NOPE', missing } }),
};

function schemaWith(name = 'signed', options: Partial<SignedTransformerOptions<Ctx>> = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: [
      signedDirectiveTypeDefs({ name, scopeType: 'Permission', scopeValues: ['READ', 'WRITE'] }),
      `type Query { open: String, secret: String @${name}(scopes: [READ]), admin: String @${name}(scopes: [READ, WRITE]) }`,
    ],
    resolvers: { Query: { open: () => 'open', secret: () => 'secret', admin: () => 'admin' } },
  });
  return signedTransformer<Ctx>(schema, { name, principal: (ctx) => ctx.caller, ...hostErrors, ...options });
}

async function run(schema: GraphQLSchema, caller: Ctx['caller'], source = '{ open secret admin }') {
  return graphql({ schema, source, contextValue: { caller } });
}

describe('the exported SDL', () => {
  test('declares the directive with String scopes by default', () => {
    expect(signedDirectiveTypeDefs()).toContain('directive @signed(');
    expect(signedDirectiveTypeDefs()).toContain('scopes: [String!]!');
    expect(signedDirectiveTypeDefs()).not.toContain('enum');
  });

  test('declares the host\'s scope enum when given its values, under the host\'s directive name', () => {
    const sdl = signedDirectiveTypeDefs({ name: 'requiresSignature', scopeType: 'Permission', scopeValues: ['READ', 'WRITE'] });
    const printed = printSchema(makeExecutableSchema({ typeDefs: [sdl, 'type Query { x: String @requiresSignature(scopes: [READ]) }'] }));
    expect(printed).toContain('directive @requiresSignature(');
    expect(printed).toContain('scopes: [Permission!]!');
    expect(printed).toMatch(/enum Permission \{\s+READ\s+WRITE\s+\}/);
  });

  test('refuses names that are not GraphQL names rather than pasting them into SDL', () => {
    expect(() => signedDirectiveTypeDefs({ name: 'signed(x: Int) @other' })).toThrow(TypeError);
    expect(() => signedDirectiveTypeDefs({ scopeType: 'Permission', scopeValues: ['A B'] })).toThrow(TypeError);
    expect(() => signedDirectiveTypeDefs({ scopeValues: ['READ'] })).toThrow('scopeValues needs scopeType');
  });

  test('the object form is typed by the schema\'s own enum, and fails loudly when it is missing', () => {
    const schema = makeExecutableSchema({ typeDefs: 'enum Scope { READ } type Query { x: String }' });
    expect(String(signedDirective(schema, { scopeType: 'Scope' }).args[0].type)).toBe('[Scope!]!');
    expect(String(signedDirective(schema).args[0].type)).toBe('[String!]!');
    expect(() => signedDirective(schema, { scopeType: 'Role' })).toThrow('the schema has no Role enum for @signed');
  });
});

describe('the transformer, with the host\'s principal and errors', () => {
  test('an unsigned request gets the host\'s unauthenticated error on each @signed field; other fields resolve', async () => {
    const result = await run(schemaWith(), null);
    expect(result.data).toEqual({ open: 'open', secret: null, admin: null });
    expect(result.errors?.map((e) => [e.path?.[0], e.extensions.code])).toEqual([['secret', 'NO_SIGNATURE'], ['admin', 'NO_SIGNATURE']]);
    expect(result.errors?.[0].message).toBe('secret: sign in');
  });

  test('a caller lacking a scope gets the host\'s forbidden error naming exactly the missing scopes', async () => {
    const result = await run(schemaWith(), { scopes: ['READ'] });
    expect(result.data).toEqual({ open: 'open', secret: 'secret', admin: null });
    expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'NOPE', missing: ['WRITE'] }]);
  });

  test('a caller holding every scope runs the resolver', async () => {
    await expect(run(schemaWith(), { scopes: ['WRITE', 'READ'] })).resolves.toEqual({ data: { open: 'open', secret: 'secret', admin: 'admin' } });
  });

  test('works under another directive name, and ignores a directive of the default name then', async () => {
    const renamed = schemaWith('auth');
    await expect(run(renamed, null, '{ secret }')).resolves.toMatchObject({ data: { secret: null } });
    const field = renamed.getQueryType()!.getFields().secret;
    expect(signedScopes(renamed, field as never, { name: 'auth' })).toEqual(['READ']);
    expect(signedScopes(renamed, field as never)).toBeUndefined();
  });

  test('documents each signed field\'s requirement in its description', () => {
    const described = describeSignedFields(schemaWith(), { name: 'signed' });
    expect(described.getQueryType()!.getFields().admin.description).toBe('Requires a signed request with scope READ and WRITE.');
    expect(described.getQueryType()!.getFields().open.description).toBeUndefined();
  });

  test('needs the host\'s three functions', () => {
    const schema = makeExecutableSchema({ typeDefs: [signedDirectiveTypeDefs(), 'type Query { x: String }'] });
    expect(() => signedTransformer(schema, { principal: () => null } as never)).toThrow('needs principal, unauthenticated and forbidden');
  });
});
