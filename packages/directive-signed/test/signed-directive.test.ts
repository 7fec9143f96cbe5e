/**
 * `@signed` on a schema-first server: the SDL it exports, and the transformer over the host's
 * principal and error factories (any context, any error classes, any directive name).
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, graphql, parse, printSchema, subscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { describeSignedFields, requiredScopes, signedDirective, signedDirectiveTypeDefs, signedScopes, signedTransformer, type SignedTransformerOptions } from '../src';

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

  test('refuses a directive name the schema does not declare: it would guard nothing, silently', () => {
    const schema = makeExecutableSchema({ typeDefs: [signedDirectiveTypeDefs({ name: 'auth' }), 'type Query { secret: String @auth(scopes: ["READ"]) }'] });
    expect(() => signedTransformer<Ctx>(schema, { principal: (ctx) => ctx.caller, ...hostErrors })).toThrow("the schema declares no @signed directive; add signedDirectiveTypeDefs({ name: 'signed' })");
  });

  test('needs the host\'s three functions', () => {
    const schema = makeExecutableSchema({ typeDefs: [signedDirectiveTypeDefs(), 'type Query { x: String }'] });
    expect(() => signedTransformer(schema, { principal: () => null } as never)).toThrow('needs principal, unauthenticated and forbidden');
  });
});

describe('@signed on an interface field binds every implementing field', () => {
  // graphql-js runs Note.secret, never Node.secret: the interface's directive must reach it.
  function interfaceSchema(): GraphQLSchema {
    const schema = makeExecutableSchema({
      typeDefs: [
        signedDirectiveTypeDefs({ scopeType: 'Permission', scopeValues: ['READ', 'WRITE'] }),
        `interface Node { id: ID! secret: String @signed(scopes: [READ]) }
         type Note implements Node { id: ID! secret: String @signed(scopes: [WRITE]) }
         type Memo implements Node { id: ID! secret: String }
         type Query { node(id: ID!): Node }`,
      ],
      resolvers: {
        Node: { __resolveType: (node: { kind: string }) => node.kind },
        Query: { node: (_: unknown, { id }: { id: string }) => ({ kind: id === 'n' ? 'Note' : 'Memo', id, secret: `top secret ${id}` }) },
      },
    });
    return signedTransformer<Ctx>(schema, { principal: (ctx) => ctx.caller, ...hostErrors });
  }

  test('an unsigned caller reading the field through the interface gets the unauthenticated error', async () => {
    const result = await run(interfaceSchema(), null, '{ memo: node(id: "m") { id secret } note: node(id: "n") { id secret } }');
    expect(result.data).toEqual({ memo: { id: 'm', secret: null }, note: { id: 'n', secret: null } });
    expect(result.errors?.map((e) => [e.path?.join('.'), e.extensions.code])).toEqual([['memo.secret', 'NO_SIGNATURE'], ['note.secret', 'NO_SIGNATURE']]);
  });

  test('an implementing field requires its own scopes and the interface field\'s: the strictest wins', async () => {
    const readOnly = await run(interfaceSchema(), { scopes: ['READ'] }, '{ memo: node(id: "m") { secret } note: node(id: "n") { secret } }');
    expect(readOnly.data).toEqual({ memo: { secret: 'top secret m' }, note: { secret: null } });
    expect(readOnly.errors?.map((e) => e.extensions)).toEqual([{ code: 'NOPE', missing: ['WRITE'] }]);
    const writeOnly = await run(interfaceSchema(), { scopes: ['WRITE'] }, '{ note: node(id: "n") { secret } }');
    expect(writeOnly.errors?.map((e) => e.extensions)).toEqual([{ code: 'NOPE', missing: ['READ'] }]);
    await expect(run(interfaceSchema(), { scopes: ['READ', 'WRITE'] }, '{ note: node(id: "n") { secret } }')).resolves.toEqual({ data: { note: { secret: 'top secret n' } } });
  });

  test('the effective requirement is what requiredScopes and the descriptions report', () => {
    const schema = interfaceSchema();
    expect(requiredScopes(schema, 'Note', 'secret')).toEqual(['WRITE', 'READ']);
    expect(requiredScopes(schema, 'Memo', 'secret')).toEqual(['READ']);
    expect(requiredScopes(schema, 'Memo', 'id')).toBeUndefined();
    const described = describeSignedFields(schema);
    const description = (type: string) => (described.getType(type) as unknown as { getFields(): Record<string, { description?: string | null }> }).getFields().secret.description;
    expect(description('Node')).toBe('Requires a signed request with scope READ.');
    expect(description('Memo')).toBe('Requires a signed request with scope READ.');
    expect(description('Note')).toBe('Requires a signed request with scope WRITE and READ.');
  });
});

describe('@signed on a subscription field', () => {
  function subscriptionSchema(sourceStarts: { count: number }): GraphQLSchema {
    const schema = makeExecutableSchema({
      typeDefs: [signedDirectiveTypeDefs(), 'type Query { x: String } type Subscription { trades: String @signed(scopes: ["READ"]) }'],
      resolvers: {
        Subscription: {
          trades: {
            async *subscribe() {
              sourceStarts.count += 1;
              yield { trades: 'BTC-USD 30000' };
            },
          },
        },
      },
    });
    return signedTransformer<Ctx>(schema, { principal: (ctx) => ctx.caller, ...hostErrors });
  }
  const subscribeAs = (schema: GraphQLSchema, caller: Ctx['caller']) => subscribe({ schema, document: parse('subscription { trades }'), contextValue: { caller } });

  test('an unsigned caller is refused at subscribe time: no stream, and its source never starts', async () => {
    const sourceStarts = { count: 0 };
    const result = await subscribeAs(subscriptionSchema(sourceStarts), null);
    expect(Symbol.asyncIterator in result).toBe(false);
    expect((result as ExecutionResult).errors?.map((e) => e.extensions.code)).toEqual(['NO_SIGNATURE']);
    expect(sourceStarts.count).toBe(0);
  });

  test('a caller lacking the scope is refused at subscribe time too', async () => {
    const sourceStarts = { count: 0 };
    const result = await subscribeAs(subscriptionSchema(sourceStarts), { scopes: [] });
    expect((result as ExecutionResult).errors?.map((e) => e.extensions)).toEqual([{ code: 'NOPE', missing: ['READ'] }]);
    expect(sourceStarts.count).toBe(0);
  });

  test('a caller holding the scope gets the events', async () => {
    const sourceStarts = { count: 0 };
    const stream = (await subscribeAs(subscriptionSchema(sourceStarts), { scopes: ['READ'] })) as AsyncIterableIterator<ExecutionResult>;
    expect((await stream.next()).value).toEqual({ data: { trades: 'BTC-USD 30000' } });
    expect(sourceStarts.count).toBe(1);
  });
});
