/**
 * Redis cost of one protected mutation (scenario 4's request): commands by name, counted on the
 * client (a wrapper around the connection) and on the server (`INFO commandstats` deltas), and
 * round trips: the times the connection went from idle to busy while requests ran one at a
 * time, so commands sent together (Promise.all, a pipeline) count as one trip. No MONITOR.
 *
 * It runs the full HTTP stack in this process (createSignetServer, the same store factories as
 * main.ts) because the wrapper must sit on the server's own connection.
 */
import { Redis, type Command } from 'ioredis';
import { createMemoryRateLimitStore } from '../src/stores/memory';
import { createRedisIdempotencyStore, createRedisNonceStore, createRedisRateLimitStore } from '../src/stores/redis';
import { createSignetServer } from '../src/transport/http/create-signet-server';
import { requestLimitsFrom } from '../src/transport/http/request-limits';
import { createMetrics } from '../src/transport/metrics';
import type { SecurityStores } from '../src/transport/security-stores';
import pino from 'pino';
import type { BenchDatabase } from './bench-env';
import { BENCH_AUTHORITY, scenarioRequests, type BenchCredential } from './requests';
import { BENCH_RATE_LIMITS } from './servers';

/** What one protected mutation costs in Redis. */
export interface RedisCost {
  /** Mutations measured (sent one at a time). */
  readonly mutations: number;
  /** Commands per mutation by name, as sent by the server's connection. */
  readonly clientCommands: Record<string, number>;
  /** Commands per mutation by name, from INFO commandstats (includes anything else hitting this Redis meanwhile). */
  readonly serverCommands: Record<string, number>;
  /** Sequential round trips per mutation. */
  readonly roundTrips: number;
}

/** Wraps `redis.sendCommand` to count commands and idle→busy transitions. */
function countCommands(redis: Redis) {
  const counts: Record<string, number> = {};
  let inFlight = 0;
  let trips = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command: Command, stream?: never) => {
    counts[command.name] = (counts[command.name] ?? 0) + 1;
    if (inFlight === 0) trips += 1;
    inFlight += 1;
    const done = () => {
      inFlight -= 1;
    };
    command.promise.then(done, done);
    return send(command, stream);
  };
  return {
    snapshot: () => ({ counts: { ...counts }, trips }),
  };
}

/** `INFO commandstats` as { command: calls }. */
async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const text = await redis.info('commandstats');
  const stats: Record<string, number> = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats[match[1]] = Number(match[2]);
  return stats;
}

function perMutation(after: Record<string, number>, before: Record<string, number>, n: number, ignore: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const delta = calls - (before[name] ?? 0);
    if (delta > 0 && !ignore.includes(name)) out[name] = Math.round((delta / n) * 100) / 100;
  }
  return out;
}

/** Sends `mutations` protected orders one at a time through an in-process server on `redisUrl` and `db`. */
export async function measureRedisCost(redisUrl: string, db: BenchDatabase & { credentials: BenchCredential[] }, mutations = 200): Promise<RedisCost> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const observer = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const counter = countCommands(redis);
  const security: SecurityStores = { kind: 'redis', nonces: createRedisNonceStore(redis), rateLimits: createRedisRateLimitStore({ client: redis }), idempotency: createRedisIdempotencyStore(redis) };
  const metrics = createMetrics();
  const logger = pino({ level: 'warn' });
  const server = await createSignetServer({
    services: db.services, security, logger, metrics, readiness: [], introspection: false, development: false,
    publicAuthority: BENCH_AUTHORITY, signatureMaxAgeSeconds: 30, requestLimits: requestLimitsFrom(BENCH_RATE_LIMITS),
    directives: {
      rateLimits: security.rateLimits, fallbackRateLimits: createMemoryRateLimitStore(), idempotency: security.idempotency, idempotencyRecords: db.idempotencyRecords,
      uow: db.uow, now: Date.now, idempotencyTtlMs: 24 * 3_600_000, rateLimitOverrides: BENCH_RATE_LIMITS, metrics, logger,
    },
  });
  try {
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const requests = scenarioRequests(db.credentials);
    const send = async () => {
      const request = requests.protectedOrder();
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
      const text = await response.text();
      if (!response.ok || text.includes('"errors"')) throw new Error(`protected order failed: ${response.status} ${text.slice(0, 300)}`);
    };
    for (let i = 0; i < 20; i += 1) await send(); // warm-up: scripts cached (EVAL → EVALSHA), connections open
    const before = { client: counter.snapshot(), server: await commandStats(observer) };
    for (let i = 0; i < mutations; i += 1) await send();
    const after = { client: counter.snapshot(), server: await commandStats(observer) };
    return {
      mutations,
      clientCommands: perMutation(after.client.counts, before.client.counts, mutations),
      // The observer's own INFO calls are not the mutation's.
      serverCommands: perMutation(after.server, before.server, mutations, ['info']),
      roundTrips: Math.round(((after.client.trips - before.client.trips) / mutations) * 100) / 100,
    };
  } finally {
    await server.close();
    await Promise.all([redis.quit(), observer.quit()]);
  }
}
