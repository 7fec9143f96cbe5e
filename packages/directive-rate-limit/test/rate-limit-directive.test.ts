/**
 * `@rateLimit` on a toy host that is not Signet: its own context, errors and stores, to prove
 * the transformer needs nothing but the functions it is given.
 */
import { randomUUID } from 'node:crypto';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, graphql, parse, subscribe, type GraphQLSchema } from 'graphql';
import Redis from 'ioredis';
import { createMemoryRateLimitStore, type RateLimitHeaderEntry, type RateLimitStore } from '@signet/rate-limit';
import { createRedisRateLimitStore } from '@signet/rate-limit-redis';
import {
  describeRateLimit,
  describeRateLimitedFields,
  fieldLimitCheck,
  ipIdentity,
  accountIdentity,
  limitedFieldOf,
  rateLimitTransformer,
  rateLimitTypeDefs,
  type RateLimitDirectiveOptions,
} from '../src';

/** The toy host's request context. */
interface NotesContext {
  readonly user: string | null;
  readonly ip: string;
  readonly decisions: RateLimitHeaderEntry[];
}

const typeDefs = (directive = 'rateLimit') => `
  ${rateLimitTypeDefs({ name: directive })}
  type Query {
    note(id: ID!): String @${directive}(max: 10, window: "1m")
    search(term: String!): [String!] @${directive}(max: 2, window: "1m", identityArgs: ["term"], message: "search less")
    plain: String
  }
  type Mutation {
    addNotes(texts: [String!]!): Int @${directive}(max: 5, window: "1m", arrayLengthField: "texts")
  }
`;

let executed = 0;
const resolvers = {
  Query: { note: (_: unknown, { id }: { id: string }) => { executed += 1; return `note ${id}`; }, search: (_: unknown, { term }: { term: string }) => [term], plain: () => 'plain' },
  Mutation: { addNotes: (_: unknown, { texts }: { texts: string[] }) => { executed += 1; return texts.length; } },
};

/** The toy host's wiring: user, else IP; plain GraphQLErrors; decisions on the context. */
function options(store: RateLimitStore, extra: Partial<RateLimitDirectiveOptions<NotesContext>> = {}): RateLimitDirectiveOptions<NotesContext> {
  return {
    identify: (context) => (context.user ? accountIdentity(context.user) : ipIdentity(context.ip)),
    store: () => store,
    limited: (_decision, details) => new GraphQLError(details.message, { extensions: { code: 'TOO_MANY', policy: details.policy, retryAfter: details.retryAfter, max: details.max, window: details.window } }),
    unavailable: ({ policy }) => new GraphQLError(`${policy} is unavailable`, { extensions: { code: 'UNAVAILABLE' } }),
    onDecision: (context, entry) => context.decisions.push(entry),
    ...extra,
  };
}

function serve(schema: GraphQLSchema) {
  return async (source: string, user: string | null = 'ann', ip = '192.0.2.1') => {
    const contextValue: NotesContext = { user, ip, decisions: [] };
    const result = await graphql({ schema, source, contextValue });
    return { result, decisions: contextValue.decisions };
  };
}

function build(store: RateLimitStore, extra: Partial<RateLimitDirectiveOptions<NotesContext>> = {}, directive?: string) {
  return serve(rateLimitTransformer(makeExecutableSchema({ typeDefs: typeDefs(directive), resolvers }), options(store, { ...extra, directiveName: directive })));
}

const unique = () => `user-${randomUUID()}`;

function defineExactnessSuite(name: string, makeStore: () => RateLimitStore) {
  describe(`@rateLimit on ${name}`, () => {
    test('3 x max concurrent calls admit exactly max, and the refused ones never run', async () => {
      const run = build(makeStore());
      const user = unique();
      executed = 0;
      const results = await Promise.all(Array.from({ length: 30 }, () => run('{ note(id: "1") }', user)));
      expect(results.filter(({ result }) => result.data?.note === 'note 1')).toHaveLength(10);
      expect(executed).toBe(10);
      const refused = results.filter(({ result }) => result.errors);
      expect(refused).toHaveLength(20);
      expect(refused[0].result.errors?.[0].extensions).toMatchObject({ code: 'TOO_MANY', policy: 'Query.note', max: 10, window: '1m', retryAfter: 60 });
    });

    test('mutations charge a list argument by its length', async () => {
      const run = build(makeStore());
      const user = unique();
      expect((await run('mutation { addNotes(texts: ["a", "b", "c"]) }', user)).result.data?.addNotes).toBe(3);
      expect((await run('mutation { addNotes(texts: ["a", "b", "c"]) }', user)).result.errors?.[0].extensions?.code).toBe('TOO_MANY');
      expect((await run('mutation { addNotes(texts: ["a", "b"]) }', user)).result.data?.addNotes).toBeNull(); // the refused 3 were counted
    });
  });
}

defineExactnessSuite('a memory store', () => createMemoryRateLimitStore());

const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
(TEST_REDIS_URL ? describe : describe.skip)(`@rateLimit on Redis${TEST_REDIS_URL ? '' : ' (skipped: TEST_REDIS_URL is not set)'}`, () => {
  const prefix = `signet:test:${randomUUID()}:drl:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL as string, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  defineExactnessSuite('a Redis store', () => createRedisRateLimitStore(redis, { prefix }));
});

describe('@rateLimit host functions', () => {
  test('the directive name is the host\'s choice', async () => {
    const run = build(createMemoryRateLimitStore(), {}, 'throttle');
    const user = unique();
    for (let i = 0; i < 10; i += 1) await run('{ note(id: "1") }', user);
    expect((await run('{ note(id: "1") plain }', user)).result).toMatchObject({ data: { note: null, plain: 'plain' }, errors: [{ path: ['note'] }] });
  });

  test('identity comes from identify: another user or address has its own budget', async () => {
    const run = build(createMemoryRateLimitStore());
    for (let i = 0; i < 10; i += 1) await run('{ note(id: "1") }', null, '198.51.100.7');
    expect((await run('{ note(id: "1") }', null, '198.51.100.7')).result.data?.note).toBeNull();
    expect((await run('{ note(id: "1") }', null, '198.51.100.8')).result.data?.note).toBe('note 1');
    expect((await run('{ note(id: "1") }', unique(), '198.51.100.7')).result.data?.note).toBe('note 1');
  });

  test('identityArgs give each value its own budget; the directive\'s message is passed to limited', async () => {
    const run = build(createMemoryRateLimitStore());
    const user = unique();
    await run('{ search(term: "a") }', user);
    await run('{ search(term: "a") }', user);
    expect((await run('{ search(term: "a") }', user)).result.errors?.[0].message).toBe('search less');
    expect((await run('{ search(term: "b") }', user)).result.data?.search).toEqual(['b']);
  });

  test('every decision goes to onDecision with its policy and rule', async () => {
    const run = build(createMemoryRateLimitStore());
    const { decisions } = await run('{ note(id: "1") search(term: "x") plain }', unique());
    expect(decisions.map((d) => [d.policy, d.rule.max, d.rule.windowMs, d.decision.allowed]).sort()).toEqual([
      ['Query.note', 10, 60_000, true],
      ['Query.search', 2, 60_000, true],
    ]);
  });

  test('store is asked per call, so a host can answer from a request-scoped wrapper', async () => {
    const shared = createMemoryRateLimitStore();
    const asked: string[] = [];
    const run = build(shared, {
      store: (context, info) => {
        asked.push(`${context.user}:${info.fieldName}`);
        return shared;
      },
    });
    await run('{ note(id: "1") plain }', 'bob');
    expect(asked).toEqual(['bob:note']);
  });

  test('operator overrides replace the directive\'s max and window', async () => {
    const run = build(createMemoryRateLimitStore(), { overrides: { 'Query.note': { max: 1, window: '10s' } } });
    const user = unique();
    expect((await run('{ note(id: "1") }', user)).result.data?.note).toBe('note 1');
    expect((await run('{ note(id: "1") }', user)).result.errors?.[0].extensions).toMatchObject({ max: 1, window: '10s', retryAfter: 10 });
  });

  test('a bad window fails when the schema is built, not on the first request', () => {
    const schema = makeExecutableSchema({ typeDefs: typeDefs(), resolvers });
    expect(() => rateLimitTransformer(schema, options(createMemoryRateLimitStore(), { overrides: { 'Query.note': { max: 1, window: 'soon' } } }))).toThrow(/Invalid rate-limit window "soon"/);
  });

  test('with the store down: mutations fail closed, queries use the fallback, or fail closed without one', async () => {
    const down: RateLimitStore = { consume: async () => { throw new Error('connect ECONNREFUSED'); }, peek: async () => { throw new Error('down'); } };
    const storeErrors: string[] = [];
    const run = build(down, { fallback: createMemoryRateLimitStore(), onStoreError: (_context, error, policy) => storeErrors.push(`${policy}: ${(error as Error).message}`) });
    executed = 0;
    const mutation = await run('mutation { addNotes(texts: ["a"]) }');
    expect(mutation.result.errors?.[0].extensions?.code).toBe('UNAVAILABLE');
    expect(executed).toBe(0);
    const user = unique();
    const queries = await Promise.all(Array.from({ length: 15 }, () => run('{ note(id: "1") }', user)));
    expect(queries.filter(({ result }) => result.data?.note === 'note 1')).toHaveLength(10);
    expect(storeErrors[0]).toBe('Mutation.addNotes: connect ECONNREFUSED');

    const noFallback = build(down);
    expect((await noFallback('{ note(id: "1") }')).result.errors?.[0].extensions?.code).toBe('UNAVAILABLE');
  });
});

describe('@rateLimit pure parts', () => {
  test('limitedFieldOf and fieldLimitCheck name the counter the transformer spends', async () => {
    const spent: string[] = [];
    const memory = createMemoryRateLimitStore();
    const recording: RateLimitStore = { consume: (key, rule) => { spent.push(key); return memory.consume(key, rule); }, peek: (key, rule) => memory.peek(key, rule) };
    const schema = makeExecutableSchema({ typeDefs: typeDefs(), resolvers });
    await build(recording)('{ search(term: "x") }', 'carol');
    const limited = limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().search);
    const check = fieldLimitCheck(limited!, { term: 'x' }, accountIdentity('carol'));
    expect(spent).toEqual([check.key]);
    expect(check).toMatchObject({ policy: 'Query.search', rule: { max: 2, windowMs: 60_000, cost: 1, countRejected: true } });
    expect(limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().plain)).toBeUndefined();
  });

  test('the SDL declares graphql-rate-limit\'s arguments; notes document each limited field', () => {
    expect(rateLimitTypeDefs()).toMatch(/^"""[^]*"""\ndirective @rateLimit\(/);
    for (const arg of ['max: Int!', 'window: String!', 'message: String', 'identityArgs: [String!]', 'arrayLengthField: String', 'uncountRejected: Boolean']) {
      expect(rateLimitTypeDefs()).toContain(arg);
    }
    const schema = describeRateLimitedFields(makeExecutableSchema({ typeDefs: typeDefs(), resolvers }), { identity: (type) => (type === 'Mutation' ? 'per user' : 'per user or address') });
    expect(schema.getMutationType()!.getFields().addNotes.description).toBe('Rate limit: 5 per 1m per user.');
    expect(schema.getQueryType()!.getFields().note.description).toBe('Rate limit: 10 per 1m per user or address.');
    expect(schema.getQueryType()!.getFields().plain.description).toBeUndefined();
    expect(describeRateLimit(schema, 'Query', 'search')).toMatchObject({ max: 2, window: '1m', identityArgs: ['term'] });
  });
});

describe('@rateLimit on an interface field', () => {
  // graphql-js runs Note.hits, never Searchable.hits: a limit there would be silently ignored,
  // and inheriting it is ambiguous (one counter for every type, or one per type?).
  const interfaceSchema = () => makeExecutableSchema({
    typeDefs: `
      ${rateLimitTypeDefs()}
      interface Searchable { hits: Int @rateLimit(max: 1, window: "1m") }
      type Note implements Searchable { hits: Int }
      type Page implements Searchable { hits: Int }
      type Query { a: Searchable }
    `,
    resolvers: { Searchable: { __resolveType: () => 'Note' }, Query: { a: () => ({ hits: 5 }) } },
  });

  test('is refused when the schema is transformed, naming the field and where to declare the limit instead', () => {
    expect(() => rateLimitTransformer(interfaceSchema(), options(createMemoryRateLimitStore())))
      .toThrow('@rateLimit on interface field Searchable.hits would not be enforced (graphql-js runs the implementing types\' fields). Declare the limit on each implementing field instead (Note.hits, Page.hits).');
  });

  test('is refused by the descriptions too, rather than documented as a limit that never applies', () => {
    expect(() => describeRateLimitedFields(interfaceSchema())).toThrow('@rateLimit on interface field Searchable.hits');
  });
});

describe('@rateLimit on a Subscription field', () => {
  const subscriptionSchema = (store: RateLimitStore, opened: { count: number }) => rateLimitTransformer(makeExecutableSchema({
    typeDefs: `${rateLimitTypeDefs()}
      type Query { plain: String }
      type Subscription { ticks: Int! @rateLimit(max: 2, window: "1m") }`,
    resolvers: {
      Query: { plain: () => 'plain' },
      Subscription: {
        ticks: {
          subscribe: async function* ticks() {
            opened.count += 1;
            for (let n = 1; n <= 5; n += 1) yield { ticks: n };
          },
        },
      },
    },
  }), options(store));

  test('counts subscriptions, not events: a refused one opens no source stream, an admitted one gets every event', async () => {
    const opened = { count: 0 };
    const schema = subscriptionSchema(createMemoryRateLimitStore(), opened);
    const contextValue: NotesContext = { user: unique(), ip: '192.0.2.1', decisions: [] };
    const open = () => subscribe({ schema, document: parse('subscription { ticks }'), contextValue });
    const events = async (stream: Awaited<ReturnType<typeof open>>) => {
      if (!(Symbol.asyncIterator in stream)) throw new Error(`not a stream: ${JSON.stringify(stream)}`);
      const seen: unknown[] = [];
      for await (const event of stream) seen.push(event.errors ? event.errors[0].extensions?.code : event.data?.ticks);
      return seen;
    };
    expect(await events(await open())).toEqual([1, 2, 3, 4, 5]);
    expect(await events(await open())).toEqual([1, 2, 3, 4, 5]);
    const third = await open();
    expect(Symbol.asyncIterator in third).toBe(false);
    expect(third).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY', policy: 'Subscription.ticks', max: 2 } }] });
    expect(opened.count).toBe(2);
    expect(contextValue.decisions.map((d) => d.decision.allowed)).toEqual([true, true, false]);
  });
});
