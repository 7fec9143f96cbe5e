/**
 * What `@rateLimit` checks when the schema is built: `identityArgs` paths (lodash-style, as
 * graphql-rate-limit reads them) against the field's arguments, and `max`. A mistake there
 * would otherwise surface on every call (one counter shared by all values, or every call
 * refused as a store outage), never at start-up.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, graphql, type GraphQLSchema } from 'graphql';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { fieldLimitCheck, ipIdentity, limitedFieldOf, rateLimitTransformer, rateLimitTypeDefs, type RateLimitDirectiveOptions, type RateLimitOverrides } from '../src';

const schemaWith = (directive: string, args = '(items: [ItemInput!]!, input: TagInput, term: String)') => makeExecutableSchema({
  typeDefs: `
    ${rateLimitTypeDefs()}
    input ItemInput { id: ID! }
    input TagInput { tag: String, items: [ItemInput!] }
    type Query { limited${args}: Int ${directive} }
  `,
  resolvers: { Query: { limited: () => 1 } },
});

const options = (overrides?: RateLimitOverrides): RateLimitDirectiveOptions<object> => ({
  identify: () => ipIdentity('192.0.2.1'),
  store: () => createMemoryRateLimitStore(),
  limited: (_decision, { message }) => new GraphQLError(message, { extensions: { code: 'TOO_MANY' } }),
  unavailable: () => new GraphQLError('unavailable', { extensions: { code: 'UNAVAILABLE' } }),
  overrides,
});

const transform = (schema: GraphQLSchema, overrides?: RateLimitOverrides) => rateLimitTransformer(schema, options(overrides));

describe('the directive name', () => {
  test('a name the schema does not declare is refused when the schema is built: it would limit nothing, silently', () => {
    const schema = makeExecutableSchema({ typeDefs: `${rateLimitTypeDefs({ name: 'limit' })}\ntype Query { f: Int @limit(max: 1, window: "1m") }` });
    expect(() => transform(schema)).toThrow("the schema declares no @rateLimit directive; add rateLimitTypeDefs({ name: 'rateLimit' })");
    expect(() => rateLimitTransformer(schema, { ...options(), directiveName: 'limit' })).not.toThrow();
  });
});

describe('identityArgs paths', () => {
  test('the values enter the counter key as a digest: a client cannot make keys as long as its request', () => {
    const schema = schemaWith('@rateLimit(max: 1, window: "1m", identityArgs: ["term"])');
    const field = limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().limited)!;
    const keyFor = (term: string) => fieldLimitCheck(field, { items: [], term }, 'ip:192.0.2.1').key;
    const long = keyFor('x'.repeat(100_000));
    expect(long.length).toBeLessThan(120);
    expect(long).not.toContain('xxxx');
    expect(keyFor('a')).toBe(keyFor('a'));
    expect(keyFor('a')).not.toBe(keyFor('b'));
  });

  test.each([['items[0].id'], ['items.0.id'], ['input["items"][0].id'], ["input['items'].0.id"]])('%s gives each value its own budget', async (path) => {
    const args = path.startsWith('input') ? (id: string) => `items: [], input: { items: [{ id: "${id}" }] }` : (id: string) => `items: [{ id: "${id}" }]`;
    // One store for the three calls (options() makes a new one per call).
    const store = createMemoryRateLimitStore();
    const schema = rateLimitTransformer(schemaWith(`@rateLimit(max: 1, window: "1m", identityArgs: [${JSON.stringify(path)}])`), { ...options(), store: () => store });
    const call = async (id: string) => {
      const { errors } = await graphql({ schema, source: `{ limited(${args(id)}) }`, contextValue: {} });
      return errors ? errors.map((e) => e.extensions?.code ?? e.message).join() : 'ok';
    };
    expect([await call('A'), await call('B'), await call('A')]).toEqual(['ok', 'ok', 'TOO_MANY']);
  });

  test.each([
    ['itme[0].id', 'names no argument of the field (arguments: items, input, term)'],
    ['items.id', 'reads "id" of "items", which has no such field'],
    ['items[0].name', 'reads "name" of "items[0]", which has no such field'],
    ['term[0]', 'indexes "term", which is not a list'],
    ['input.tags', 'reads "tags" of "input", which has no such field'],
    ['items[x].id', 'is not a path'],
    ['items..id', 'is not a path'],
  ])('%s is refused when the schema is built, naming the field and the path', (path, problem) => {
    const schema = schemaWith(`@rateLimit(max: 1, window: "1m", identityArgs: ["term", ${JSON.stringify(path)}])`);
    const expected = `@rateLimit on Query.limited: identityArgs path ${JSON.stringify(path)} ${problem}`;
    expect(() => transform(schema)).toThrow(expected);
    // The same check where a host resolves the field ahead of execution.
    expect(() => limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().limited)).toThrow(expected);
  });

  test('arrayLengthField must lead to a list', () => {
    expect(() => transform(schemaWith('@rateLimit(max: 5, window: "1m", arrayLengthField: "input.items")'))).not.toThrow();
    expect(() => transform(schemaWith('@rateLimit(max: 5, window: "1m", arrayLengthField: "term")'))).toThrow('@rateLimit on Query.limited: arrayLengthField path "term" does not lead to a list');
    expect(() => transform(schemaWith('@rateLimit(max: 5, window: "1m", arrayLengthField: "texts")'))).toThrow('arrayLengthField path "texts" names no argument');
  });
});

describe('max', () => {
  test.each([[0], [-1]])('@rateLimit(max: %d) is refused when the schema is built', (max) => {
    expect(() => transform(schemaWith(`@rateLimit(max: ${max}, window: "1m")`))).toThrow(`@rateLimit on Query.limited: max must be a positive integer, got ${max}`);
  });

  test.each([[0], [-3], [2.5], [Number.NaN]])('an override with max %d is refused when the schema is built', (max) => {
    const schema = schemaWith('@rateLimit(max: 10, window: "1m")');
    expect(() => transform(schema, { 'Query.limited': { max, window: '1m' } })).toThrow(`@rateLimit on Query.limited (override): max must be a positive integer, got ${max}`);
    expect(() => limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().limited, { overrides: { 'Query.limited': { max, window: '1m' } } })).toThrow('max must be a positive integer');
  });
});

describe('override keys', () => {
  test.each([['Query.Limited'], ['Querry.limited'], ['Query.nope']])('an override for %s, not a field with @rateLimit, is refused when the schema is built: it would change nothing, silently', (key) => {
    const schema = schemaWith('@rateLimit(max: 10, window: "1m")');
    expect(() => transform(schema, { [key]: { max: 1, window: '1m' } })).toThrow(`rateLimitTransformer: overrides name "${key}", not a field with @rateLimit (fields with it: Query.limited)`);
  });

  test('an override of a field the directive is not on is refused too; one of a limited field is taken', async () => {
    const schema = makeExecutableSchema({
      typeDefs: `${rateLimitTypeDefs()}\ntype Query { limited: Int @rateLimit(max: 10, window: "1m") free: Int }`,
      resolvers: { Query: { limited: () => 1, free: () => 2 } },
    });
    expect(() => transform(schema, { 'Query.free': { max: 1, window: '1m' } })).toThrow('overrides name "Query.free", not a field with @rateLimit');
    const store = createMemoryRateLimitStore();
    const limited = rateLimitTransformer(schema, { ...options({ 'Query.limited': { max: 1, window: '1m' } }), store: () => store });
    const answers = [await graphql({ schema: limited, source: '{ limited }', contextValue: {} }), await graphql({ schema: limited, source: '{ limited }', contextValue: {} })];
    expect(answers.map((a) => a.errors?.[0]?.extensions?.code ?? 'ok')).toEqual(['ok', 'TOO_MANY']);
  });
});
