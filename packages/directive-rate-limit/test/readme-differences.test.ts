/**
 * The README's "Differences from graphql-rate-limit" is there, and what it says holds: each
 * listed difference is checked against the directive itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, graphql, isNonNullType, validateSchema } from 'graphql';
import { createMemoryRateLimitStore, rateLimitHeaders, type RateLimitHeaderEntry } from '@signet/rate-limit';
import { fieldLimitCheck, ipIdentity, limitedFieldOf, rateLimitDirective, rateLimitTransformer, rateLimitTypeDefs } from '../src';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const section = README.slice(README.indexOf('## Differences from graphql-rate-limit'));

const schemaOf = (fields: string) => makeExecutableSchema({
  typeDefs: `${rateLimitTypeDefs()} input Batch { items: [String!]! } type Query { ${fields} } type Mutation { x: Int @rateLimit(max: 1, window: "1m") }`,
  resolvers: { Mutation: { x: () => 1 } },
});

describe('README: differences from graphql-rate-limit', () => {
  test('the section lists each difference', () => {
    expect(README).toContain('## Differences from graphql-rate-limit');
    for (const point of ['`max` and `window` are required', 'at most 24 h', 'fixed window', 'per `Type.field`', 'Paths are checked', '`arrayLengthField` is a path', '`readOnly`', '`qu`']) {
      expect(section).toContain(point);
    }
  });

  test('max and window are required arguments', () => {
    const args = Object.fromEntries(rateLimitDirective().args.map((a) => [a.name, a.type]));
    expect(isNonNullType(args.max) && isNonNullType(args.window)).toBe(true);
    expect(() => makeExecutableSchema({ typeDefs: `${rateLimitTypeDefs()} type Query { x: Int @rateLimit(max: 10) }` })).toThrow(/window/);
  });

  test('a window over 24 h is refused', () => {
    expect(() => rateLimitTransformer(schemaOf('x: Int @rateLimit(max: 1, window: "2d")'), {
      identify: () => 'i', store: () => createMemoryRateLimitStore(), limited: () => new Error('limited'), unavailable: () => new Error('unavailable'),
    })).toThrow(/24h/);
  });

  test('Query.x and Mutation.x count on separate counters', async () => {
    const store = createMemoryRateLimitStore();
    const schema = rateLimitTransformer(schemaOf('x: Int @rateLimit(max: 1, window: "1m")'), {
      identify: () => ipIdentity('192.0.2.1'), store: () => store, limited: () => new GraphQLError('limited'), unavailable: () => new GraphQLError('unavailable'),
    });
    expect((await graphql({ schema, source: '{ x }', rootValue: { x: 1 } })).errors).toBeUndefined();
    expect((await graphql({ schema, source: 'mutation { x }' })).errors).toBeUndefined();
  });

  test('arrayLengthField follows a path: input.items of 6 costs 6', () => {
    const schema = schemaOf('add(input: Batch!): Int @rateLimit(max: 10, window: "1m", arrayLengthField: "input.items")');
    expect(validateSchema(schema)).toEqual([]);
    const limited = limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().add)!;
    expect(fieldLimitCheck(limited, { input: { items: ['a', 'b', 'c', 'd', 'e', 'f'] } }, 'i').rule.cost).toBe(6);
    expect(fieldLimitCheck(limited, { input: { items: [] } }, 'i').rule.cost).toBe(1);
  });

  test('readOnly is no argument of the directive', () => {
    expect(rateLimitDirective().args.map((a) => a.name)).not.toContain('readOnly');
  });

  test('the RateLimit-Policy of a list-charged field has no quota unit', () => {
    const entry: RateLimitHeaderEntry = { policy: 'Query.add', rule: { max: 10, windowMs: 60_000 }, decision: { allowed: true, limit: 10, remaining: 4, resetMs: 1000, retryAfterMs: 0 } };
    expect(rateLimitHeaders([entry])?.['RateLimit-Policy']).toBe('"Query.add";q=10;w=60');
  });
});
