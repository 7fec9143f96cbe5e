/**
 * Accuracy benchmark: 200 concurrent checks against one key with max 10, on Redis, through
 * our atomic store and through graphql-rate-limit's RedisStore (the compatibility reference,
 * which reads then writes). Admitted counts show exactness; latencies show what it costs.
 *
 * Library use: `runRateLimitAccuracyBench(redisUrl)`. CLI (after compiling with tsc):
 *   node <outDir>/bench/rate-limit-accuracy.js [redis://127.0.0.1:6379] [trials]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { GraphQLResolveInfo } from 'graphql';
import { getGraphQLRateLimiter, RedisStore } from 'graphql-rate-limit';
import Redis from 'ioredis';
import { createRedisRateLimitStore } from '@signet/rate-limit-redis';

/** Figures for one implementation, over all trials. */
export interface RateLimitBenchFigures {
  /** Which implementation was measured. */
  name: string;
  /** Calls admitted in each trial (the correct answer is `max`). */
  admittedPerTrial: number[];
  /**
   * Calls admitted out of 2 x max made one after another: proves the implementation is wired
   * correctly, so an over-admission under concurrency is a race, not a misconfiguration.
   */
  sequentialAdmitted: number;
  /** Mean latency of one check in ms, from its start to its answer (queueing included). */
  meanMs: number;
  /** 99th percentile latency of one check in ms. */
  p99Ms: number;
}

/** The whole benchmark result. */
export interface RateLimitBenchResult {
  /** Concurrent checks per trial. */
  concurrency: number;
  /** The limit each trial enforces. */
  max: number;
  /** Trials run per implementation, each on a fresh key. */
  trials: number;
  /** One row per implementation. */
  results: RateLimitBenchFigures[];
}

/** A check under test: resolves true when the call was admitted. */
type Check = (key: string) => Promise<boolean>;

/**
 * Runs the benchmark against the Redis at `redisUrl` and returns the figures. Uses keys under
 * a random prefix and deletes them afterwards; opens and closes its own connection.
 */
export async function runRateLimitAccuracyBench(
  redisUrl: string,
  options: { concurrency?: number; max?: number; trials?: number } = {},
): Promise<RateLimitBenchResult> {
  const { concurrency = 200, max = 10, trials = 5 } = options;
  const prefix = `signet:bench:${randomUUID()}:`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const ours = createRedisRateLimitStore(redis, { prefix });
    const oursCheck: Check = async (key) => (await ours.consume(key, { max, windowMs: 60_000 })).allowed;

    // graphql-rate-limit keys by (context identity, field identity); it calls `set`/`get` with
    // node-redis v3 style callbacks, which ioredis also accepts.
    const limiter = getGraphQLRateLimiter({ identifyContext: (ctx: { id: string }) => ctx.id, store: new RedisStore(redis) });
    const info = { fieldName: 'placeOrder' } as GraphQLResolveInfo;
    const referenceCheck: Check = async (key) =>
      (await limiter({ parent: undefined, args: {}, context: { id: `${prefix}${key}` }, info }, { max, window: '60s' })) === undefined;

    const results = [
      await measure('signet RedisRateLimitStore (Lua, atomic)', oursCheck, concurrency, max, trials),
      await measure('graphql-rate-limit RedisStore (get then set)', referenceCheck, concurrency, max, trials),
    ];
    return { concurrency, max, trials, results };
  } finally {
    // graphql-rate-limit names its keys `redis-store-id::<context>:<field>`; ours sit under the prefix.
    const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`redis-store-id::${prefix}*`))];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

async function measure(name: string, check: Check, concurrency: number, max: number, trials: number): Promise<RateLimitBenchFigures> {
  const latencies: number[] = [];
  const admittedPerTrial: number[] = [];
  const sequentialKey = `sequential-${randomUUID()}`; // also warms up: loads the script, opens the connection
  let sequentialAdmitted = 0;
  for (let i = 0; i < 2 * max; i += 1) if (await check(sequentialKey)) sequentialAdmitted += 1;
  for (let t = 0; t < trials; t += 1) {
    const key = `trial-${randomUUID()}`;
    const outcomes = await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const start = performance.now();
        const admitted = await check(key);
        latencies.push(performance.now() - start);
        return admitted;
      }),
    );
    admittedPerTrial.push(outcomes.filter(Boolean).length);
  }
  latencies.sort((a, b) => a - b);
  const meanMs = latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length;
  const p99Ms = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)];
  return { name, admittedPerTrial, sequentialAdmitted, meanMs: round(meanMs), p99Ms: round(p99Ms) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

if (require.main === module) {
  const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
  const trials = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  runRateLimitAccuracyBench(url, { trials }).then(
    (result) => {
      console.log(`${result.concurrency} concurrent checks, max ${result.max}, ${result.trials} trials on ${url}`);
      console.table(
        result.results.map((r) => ({
          implementation: r.name,
          'admitted per trial': r.admittedPerTrial.join(' '),
          [`sequential (of ${2 * result.max})`]: r.sequentialAdmitted,
          'mean ms': r.meanMs,
          'p99 ms': r.p99Ms,
        })),
      );
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
