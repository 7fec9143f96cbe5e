/**
 * One server of the peers side by side (a child process of the bench): the same toy mutation
 * behind one GraphQL server and one rate limiter, so two servers of the same kind differ only in
 * the limiter. Run as `node dist-bench/bench/peer-server.js` with BENCH_PEER (a PEERS id),
 * BENCH_PEER_RUN (a run id, part of every counter key so runs and trials never share counters),
 * PORT and, for the Redis stores, BENCH_REDIS_URL. Prints one line `BENCH_READY {"url":…}`.
 *
 * The toy: `ping(n: Int!): Int!` answers n, limited per caller (the `x-caller` header) with a
 * limit raised out of the way (throughput); `pingLimited(n: Int!): Int!` is the same with max 10
 * per minute (accuracy). The limit sits in the schema as `@rateLimit(max, window)`, the argument
 * set the three limiters share.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { InMemoryStore as EnvelopMemoryStore, RedisStore as EnvelopRedisStore, useRateLimiter } from '@envelop/rate-limiter';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { getGraphQLRateLimiter, RedisStore as GrlRedisStore } from 'graphql-rate-limit';
import { createYoga } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { rateLimitTransformer } from '@signet/directive-rate-limit';
import { createMemoryRateLimitStore, type RateLimitStore } from '@signet/rate-limit';
import { createRedisRateLimitStore } from '@signet/rate-limit-redis';

/** The limit of `ping`: high enough that no call is refused while every check still runs. */
export const PING_MAX = 100_000_000;
/**
 * The window of `ping`. Short on purpose: graphql-rate-limit and @envelop/rate-limiter keep one
 * timestamp per call in the window (a sliding log) and copy it on every call, so a long window
 * with a raised max would make them slower with every request. One second keeps their logs short.
 */
export const PING_WINDOW = '1s';
/** The limit of `pingLimited`, which the accuracy check hammers with 200 concurrent calls. */
export const PING_LIMITED_MAX = 10;

const TOY_TYPE_DEFS = `
  type Query { ok: Boolean! }
  type Mutation {
    ping(n: Int!): Int! @rateLimit(max: ${PING_MAX}, window: "${PING_WINDOW}")
    pingLimited(n: Int!): Int! @rateLimit(max: ${PING_LIMITED_MAX}, window: "1m")
  }
`;

/** The directive as all three limiters read it (graphql-rate-limit's argument set). */
const RATE_LIMIT_SDL = 'directive @rateLimit(max: Int, window: String, message: String, identityArgs: [String], arrayLengthField: String) on FIELD_DEFINITION';

const toyResolvers = {
  Query: { ok: () => true },
  Mutation: { ping: (_: unknown, { n }: { n: number }) => n, pingLimited: (_: unknown, { n }: { n: number }) => n },
};

/** Every server and limiter measured, with what it is made of. */
export const PEERS = {
  'yoga': { server: 'graphql-yoga', limiter: 'none', store: 'none' },
  'yoga+envelop-redis': { server: 'graphql-yoga', limiter: '@envelop/rate-limiter', store: 'Redis' },
  'yoga+signet-redis': { server: 'graphql-yoga', limiter: 'Signet', store: 'Redis' },
  'yoga+envelop-memory': { server: 'graphql-yoga', limiter: '@envelop/rate-limiter', store: 'memory' },
  'yoga+signet-memory': { server: 'graphql-yoga', limiter: 'Signet', store: 'memory' },
  'apollo': { server: 'Apollo Server', limiter: 'none', store: 'none' },
  'apollo+grl-redis': { server: 'Apollo Server', limiter: 'graphql-rate-limit', store: 'Redis' },
  'apollo+signet-redis': { server: 'Apollo Server', limiter: 'Signet', store: 'Redis' },
} as const;

export type PeerId = keyof typeof PEERS;

/** What every resolver sees: who calls (the counters' identity). */
interface ToyContext { readonly caller: string }

const callerOf = (header: string | null | undefined, run: string): string => `${run}:${header || 'anonymous'}`;

const refused = (message: string) => new GraphQLError(message, { extensions: { code: 'RATE_LIMITED' } });

/** Signet's directive over `store`: one atomic check per call. */
function withSignet(schema: GraphQLSchema, store: RateLimitStore): GraphQLSchema {
  return rateLimitTransformer<ToyContext>(schema, {
    identify: (ctx) => ctx.caller,
    store: () => store,
    limited: (_decision, { message }) => refused(message),
    unavailable: () => new GraphQLError('Rate limiting is unavailable; nothing ran.', { extensions: { code: 'UNAVAILABLE' } }),
  });
}

/**
 * graphql-rate-limit's `getGraphQLRateLimiter` called in each `@rateLimit` field's resolver with
 * the directive's arguments: what its own directive does, on its RedisStore.
 */
function withGraphqlRateLimit(schema: GraphQLSchema, redis: Redis): GraphQLSchema {
  const limiter = getGraphQLRateLimiter({ identifyContext: (ctx: ToyContext) => ctx.caller, store: new GrlRedisStore(redis) });
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const config = getDirective(schema, field, 'rateLimit')?.[0] as { max: number; window: string } | undefined;
      const resolve = field.resolve;
      if (!config || !resolve) return field;
      return {
        ...field,
        resolve: async (parent, args, context: ToyContext, info) => {
          const message = await limiter({ parent, args, context, info }, { max: config.max, window: config.window });
          if (message) throw refused(message);
          return resolve(parent, args, context, info);
        },
      };
    },
  });
}

function printReady(url: string): void {
  process.stdout.write(`BENCH_READY ${JSON.stringify({ url })}\n`);
}

async function main(): Promise<void> {
  const id = process.env.BENCH_PEER as PeerId;
  const peer = PEERS[id];
  if (!peer) throw new Error(`unknown BENCH_PEER ${String(id)}`);
  const run = process.env.BENCH_PEER_RUN ?? 'peers';
  const port = Number(process.env.PORT ?? 0);
  const needsRedis = peer.store === 'Redis';
  const redisUrl = process.env.BENCH_REDIS_URL;
  if (needsRedis && !redisUrl) throw new Error(`${id} needs BENCH_REDIS_URL`);
  const redis = needsRedis ? new Redis(redisUrl as string, { maxRetriesPerRequest: 1 }) : undefined;
  const signetPrefix = `signet:bench:peers:${run}:`;

  let schema = makeExecutableSchema({ typeDefs: [RATE_LIMIT_SDL, TOY_TYPE_DEFS], resolvers: toyResolvers });
  if (peer.limiter === 'Signet') schema = withSignet(schema, redis ? createRedisRateLimitStore(redis, { prefix: signetPrefix }) : createMemoryRateLimitStore());
  if (peer.limiter === 'graphql-rate-limit') schema = withGraphqlRateLimit(schema, redis as Redis);

  let close: () => Promise<void>;
  if (peer.server === 'graphql-yoga') {
    const plugins = peer.limiter === '@envelop/rate-limiter'
      ? [useRateLimiter({ identifyFn: (ctx) => (ctx as ToyContext).caller, store: redis ? new EnvelopRedisStore(redis) : new EnvelopMemoryStore() })]
      : [];
    const yoga = createYoga<Record<string, unknown>, ToyContext>({
      schema, plugins, graphiql: false, landingPage: false, logging: 'warn',
      context: ({ request }) => ({ caller: callerOf(request.headers.get('x-caller'), run) }),
    });
    const http = createServer(yoga);
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    printReady(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
    close = () => new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  } else {
    const apollo = new ApolloServer<ToyContext>({ schema });
    const { url } = await startStandaloneServer(apollo, {
      listen: { port, host: '127.0.0.1' },
      context: async ({ req }) => ({ caller: callerOf(req.headers['x-caller'] as string | undefined, run) }),
    });
    printReady(url.replace(/\/$/, ''));
    close = () => apollo.stop();
  }
  process.once('SIGTERM', () => {
    void close().then(() => redis?.quit()).finally(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`peer server: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
