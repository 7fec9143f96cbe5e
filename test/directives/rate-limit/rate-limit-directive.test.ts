import { makeExecutableSchema } from '@graphql-tools/schema';
import { astFromDirective } from '@graphql-tools/utils';
import { print } from 'graphql';
import { graphql } from 'graphql';
import type { RateLimitStore } from '@signet/rate-limit';
import { signetRateLimitDirective, signetRateLimitTransformer } from '../../../src/directives/rate-limit';
import type { DirectiveDeps } from '../../../src/directives';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { emptyExchange, type GraphQLContext } from '../../../src/transport/graphql/context';
import { createMetrics } from '../../../src/metrics';
import { silentLogger } from '../../helpers/logger';
import { describeWithRedis } from '../../helpers/services';
import { redisStores } from '../../helpers/signet-server';

const SDL = `
  ${print(astFromDirective(signetRateLimitDirective()))}
  type Query {
    ping: String @rateLimit(max: 10, window: "1m")
    pong: String
    quote(symbol: String!, depth: Int): String @rateLimit(max: 2, window: "1m", identityArgs: ["symbol"])
    batch(ids: [ID!]!): Int @rateLimit(max: 10, window: "1m", arrayLengthField: "ids")
    gentle(ids: [ID!]!): Int @rateLimit(max: 10, window: "1m", arrayLengthField: "ids", uncountRejected: true, message: "slow down")
  }
  type Mutation { move: String @rateLimit(max: 10, window: "1m") }
`;

let executions = 0;
const resolvers = {
  Query: { ping: () => { executions += 1; return 'ping'; }, pong: () => 'pong', quote: (_: unknown, a: { symbol: string }) => a.symbol, batch: (_: unknown, a: { ids: string[] }) => a.ids.length, gentle: (_: unknown, a: { ids: string[] }) => a.ids.length },
  Mutation: { move: () => 'moved' },
};

function build(store: RateLimitStore, fallback: RateLimitStore = createMemoryRateLimitStore()) {
  const deps = { rateLimits: store, fallbackRateLimits: fallback, metrics: createMetrics(), logger: silentLogger } as unknown as DirectiveDeps;
  const schema = signetRateLimitTransformer(makeExecutableSchema({ typeDefs: SDL, resolvers }), deps);
  return (source: string, accountId = 'acct-1', ip = '10.0.0.1') => {
    const contextValue: GraphQLContext = { requestId: 'r', principal: accountId ? { accountId, keyId: 'k', scopes: [] } : null, services: {} as never, http: emptyExchange(ip) };
    return graphql({ schema, source, contextValue }).then((result) => ({ result, http: contextValue.http }));
  };
}

function defineDirectiveSuite(name: string, makeStore: () => RateLimitStore) {
  describe(`@rateLimit on ${name}`, () => {
    const unique = () => `acct-${Math.random().toString(36).slice(2)}`;

    test('200 concurrent calls with max 10 admit exactly 10, and the others never run', async () => {
      const run = build(makeStore());
      const account = unique();
      executions = 0;
      const results = await Promise.all(Array.from({ length: 200 }, () => run('{ ping }', account)));
      expect(results.filter(({ result }) => result.data?.ping === 'ping')).toHaveLength(10);
      expect(executions).toBe(10);
      const rejected = results.filter(({ result }) => result.errors);
      expect(rejected).toHaveLength(190);
      expect(rejected[0].result.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, limit: 10, window: '1m', retryAfter: expect.any(Number) });
      expect(rejected[0].result.errors?.[0].extensions?.http).toBeUndefined();
    });

    test('a limited field is null with its error while a sibling still resolves', async () => {
      const run = build(makeStore());
      const account = unique();
      for (let i = 0; i < 10; i += 1) await run('{ ping }', account);
      const { result } = await run('{ ping pong }', account);
      expect(result.data).toEqual({ ping: null, pong: 'pong' });
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0].path).toEqual(['ping']);
    });

    test('aliases count as separate calls', async () => {
      const run = build(makeStore());
      const account = unique();
      const aliases = Array.from({ length: 12 }, (_, i) => `a${i}: ping`).join(' ');
      const { result } = await run(`{ ${aliases} }`, account);
      expect(Object.values(result.data ?? {}).filter((v) => v === 'ping')).toHaveLength(10);
      expect(result.errors).toHaveLength(2);
    });

    test('identityArgs give each argument value its own budget', async () => {
      const run = build(makeStore());
      const account = unique();
      const btc = await Promise.all([1, 2, 3].map(() => run('{ quote(symbol: "BTC") }', account)));
      expect(btc.filter(({ result }) => result.data?.quote === 'BTC')).toHaveLength(2);
      expect((await run('{ quote(symbol: "ETH", depth: 5) }', account)).result.data?.quote).toBe('ETH');
    });

    test('arrayLengthField charges the list length', async () => {
      const run = build(makeStore());
      const account = unique();
      expect((await run('{ batch(ids: ["1","2","3","4"]) }', account)).result.data?.batch).toBe(4);
      expect((await run('{ batch(ids: ["1","2","3","4"]) }', account)).result.data?.batch).toBe(4);
      expect((await run('{ batch(ids: ["1","2","3"]) }', account)).result.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      expect((await run('{ batch(ids: ["1"]) }', account)).result.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    });

    test('uncountRejected: a rejected call spends nothing, so a smaller one still fits; message is the directive\'s', async () => {
      const run = build(makeStore());
      const account = unique();
      expect((await run('{ gentle(ids: ["1","2","3","4","5","6","7","8"]) }', account)).result.data?.gentle).toBe(8);
      const rejected = await run('{ gentle(ids: ["1","2","3","4"]) }', account);
      expect(rejected.result.errors?.[0].message).toBe('slow down');
      expect((await run('{ gentle(ids: ["1","2"]) }', account)).result.data?.gentle).toBe(2);
    });

    test('identity is the account for signed calls and the client IP otherwise', async () => {
      const run = build(makeStore());
      const ip = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      for (let i = 0; i < 10; i += 1) await run('{ ping }', '', ip);
      expect((await run('{ ping }', '', ip)).result.data?.ping).toBeNull();
      expect((await run('{ ping }', '', '10.255.0.1')).result.data?.ping).toBe('ping');
      expect((await run('{ ping }', unique(), ip)).result.data?.ping).toBe('ping');
    });

    test('decisions are collected for the RateLimit headers', async () => {
      const run = build(makeStore());
      const { http } = await run('{ ping quote(symbol: "X") }', unique());
      expect(http.rateLimits.map((e) => e.policy).sort()).toEqual(['Query.ping', 'Query.quote']);
    });
  });
}

defineDirectiveSuite('the memory store', () => createMemoryRateLimitStore());
describeWithRedis('@rateLimit on Redis', (url) => {
  const handles: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => { await Promise.all(handles.map((h) => h.close())); });
  defineDirectiveSuite('the Redis store', () => {
    const handle = redisStores(url);
    handles.push(handle);
    return handle.stores.rateLimits;
  });
});

describe('@rateLimit windows and outages', () => {
  test('the window rolls over with an injected clock', async () => {
    let now = 0;
    const run = build(createMemoryRateLimitStore({ now: () => now }));
    for (let i = 0; i < 10; i += 1) await run('{ ping }', 'clock');
    const rejected = await run('{ ping }', 'clock');
    expect(rejected.result.errors?.[0].extensions?.retryAfter).toBe(60);
    now = 59_999;
    expect((await run('{ ping }', 'clock')).result.data?.ping).toBeNull();
    now = 60_000;
    expect((await run('{ ping }', 'clock')).result.data?.ping).toBe('ping');
  });

  test('with the shared store down, mutations fail closed and queries use the local limiter', async () => {
    const down: RateLimitStore = { consume: async () => { throw new Error('connect ECONNREFUSED'); }, peek: async () => { throw new Error('down'); } };
    const run = build(down);
    const mutation = await run('mutation { move }', 'outage');
    expect(mutation.result.data?.move).toBeNull();
    expect(mutation.result.errors?.[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(mutation.result.errors?.[0].message).not.toContain('ECONNREFUSED');
    const results = await Promise.all(Array.from({ length: 15 }, () => run('{ ping }', 'outage')));
    expect(results.filter(({ result }) => result.data?.ping === 'ping')).toHaveLength(10);
  });
});
