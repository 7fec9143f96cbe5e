import { randomUUID } from 'node:crypto';
import { deleteKeysUnder } from './redis-keys';
/**
 * What one request costs in round trips, counted rather than timed (so other work on the machine
 * cannot blur it): SQL statements through the database driver, Redis commands by name and Redis
 * round trips through the server's own connection. Requests are sent one at a time, so a round
 * trip is a time the connection went from idle to busy: commands sent together (Promise.all)
 * count once. For the protected mutation, `INFO commandstats` deltas cross-check on the server
 * side (they also count the commands the scripts run, and anything else hitting that Redis).
 * No MONITOR. The servers run in this process because the counters must sit on their connections.
 * On PostgreSQL + Redis the servers cache key material as the runtime does (key versions on
 * Redis); BENCH_KEY_CACHE=0 makes them read the key row on every request (the figures before).
 */
import { Redis, type Command } from 'ioredis';
import pino from 'pino';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { declareCompleteIfNoLiveRecords } from '@signet/idempotency';
import { memorySecurityStores, redisSecurityStores } from '../src/runtime';
import type { DirectiveDeps } from '../src/directives';
import { createSignetServer } from '../src/transport/http/create-signet-server';
import { requestLimitsFrom } from '../src/transport/http/request-limits';
import { createMetrics } from '../src/metrics';
import type { SecurityStores } from '../src/transport/security-stores';
import { createRedisKeyVersionStore } from '../src/stores/redis';
import type { BenchDatabase } from './bench-env';
import { createControlApp } from './control-server';
import type { BenchRequest } from './load';
import { BENCH_AUTHORITY, controlRequests, scenarioRequests, type BenchCredential } from './requests';
import { BENCH_FIELD_RATE_LIMITS, BENCH_RATE_LIMITS } from './servers';

/** Per-request counts for one scenario's request. */
export interface RequestCost {
  readonly scenario: string;
  readonly sqlStatements: number;
  /** Commands per request by name, as sent (absent without Redis). */
  readonly redisCommands?: Record<string, number>;
  readonly redisRoundTrips?: number;
  /** Scenario 4 only: INFO commandstats delta per request, commands run inside scripts included. */
  readonly redisExecuted?: Record<string, number>;
}

/** The cost table: one row per scenario, from `requests` sequential requests each. */
export interface RequestCosts { readonly requests: number; readonly rows: readonly RequestCost[] }

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
  return () => ({ counts: { ...counts }, trips });
}

async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const stats: Record<string, number> = {};
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats[m[1]] = Number(m[2]);
  return stats;
}

function perRequest(after: Record<string, number>, before: Record<string, number>, n: number, ignore: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const delta = calls - (before[name] ?? 0);
    if (delta > 0 && !ignore.includes(name)) out[name] = Math.round((delta / n) * 100) / 100;
  }
  return out;
}

const perN = (delta: number, n: number) => Math.round((delta / n) * 100) / 100;

/** Counts scenarios 2, 3b, 3, 4 and 5 over `db` (and Redis at `redisUrl`, else memory stores). */
export async function measureRequestCosts(db: BenchDatabase & { credentials: BenchCredential[] }, redisUrl: string | undefined, requests = 100, sharedIdempotencyPrefix?: string): Promise<RequestCosts> {
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const observer = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const redisCounts = redis ? countCommands(redis) : undefined;
  // The bench seeded its keys in this run and no other store ever saw them: a new memory store
  // may vouch for every nonce of theirs (on Redis, markers from an earlier run do the same).
  // The idempotency store is declared complete as `openRuntime` does: the bench's database holds
  // no live record here, or the load scenarios' servers declared it on theirs. On Redis its
  // idempotency keys share that database's namespace (`sharedIdempotencyPrefix`), or get one of
  // their own for a local PGlite: the default marker speaks for other databases' records.
  const idempotencyPrefix = sharedIdempotencyPrefix ?? `signet:bench:${randomUUID()}:idem:`;
  const security: SecurityStores = redis
    ? redisSecurityStores(redis, { idempotencyPrefix })
    : memorySecurityStores({ nonceCompleteSinceMs: 0 });
  await security.nonces.open();
  await declareCompleteIfNoLiveRecords(security.idempotency, db.idempotencyRecords, Date.now);
  const metrics = createMetrics();
  const logger = pino({ level: 'warn' });
  const directives: DirectiveDeps = {
    rateLimits: security.rateLimits, fallbackRateLimits: createMemoryRateLimitStore(), idempotency: security.idempotency, idempotencyRecords: db.idempotencyRecords,
    uow: db.uow, now: Date.now, idempotencyTtlMs: 24 * 3_600_000, rateLimitOverrides: BENCH_FIELD_RATE_LIMITS, metrics, logger,
  };
  // PostgreSQL + Redis: key material cached against the key versions on Redis, as the runtime does.
  const services = redis && db.driverKind !== 'pglite' && process.env.BENCH_KEY_CACHE !== '0' ? db.servicesWith(createRedisKeyVersionStore(redis)) : db.services;
  const common = { services, security, directives, metrics, logger, readiness: [], signatureMaxAgeSeconds: 30 };
  const signed = scenarioRequests(db.credentials);
  const replayKey = `bench-replay-${Date.now()}`;
  const plans: Array<{ scenario: string; server: 'protected' | 'signed' | 'bare'; next: () => BenchRequest }> = [
    { scenario: '2', server: 'protected', next: signed.meBalances },
    { scenario: '3b', server: 'bare', next: controlRequests(db.credentials.map((c) => c.accountId)) },
    { scenario: '3', server: 'signed', next: signed.protectedOrder },
    { scenario: '4', server: 'protected', next: signed.protectedOrder },
    { scenario: '5', server: 'protected', next: () => signed.replayOrder(replayKey) },
  ];
  const rows: RequestCost[] = [];
  try {
    for (const plan of plans) {
      const built = plan.server === 'protected'
        ? await createSignetServer({ ...common, introspection: false, development: false, publicUrl: { scheme: 'https', authority: BENCH_AUTHORITY }, requestLimits: requestLimitsFrom(BENCH_RATE_LIMITS) })
        : await createControlApp({ ...common, rateLimitOverrides: BENCH_RATE_LIMITS }, plan.server, db.credentials.map((c) => c.accountId));
      try {
        const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
        const send = async () => {
          const request = plan.next();
          const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
          const text = await response.text();
          if (!response.ok || text.includes('"errors"')) throw new Error(`scenario ${plan.scenario} request failed: ${response.status} ${text.slice(0, 300)}`);
        };
        for (let i = 0; i < 10; i += 1) await send(); // warm-up: scripts cached (EVAL → EVALSHA), the replay recorded
        const before = { sql: db.sqlStatements(), redis: redisCounts?.(), stats: plan.scenario === '4' && observer ? await commandStats(observer) : undefined };
        for (let i = 0; i < requests; i += 1) await send();
        const after = { sql: db.sqlStatements(), redis: redisCounts?.(), stats: before.stats && observer ? await commandStats(observer) : undefined };
        rows.push({
          scenario: plan.scenario, sqlStatements: perN(after.sql - before.sql, requests),
          ...(after.redis && before.redis ? { redisCommands: perRequest(after.redis.counts, before.redis.counts, requests), redisRoundTrips: perN(after.redis.trips - before.redis.trips, requests) } : {}),
          // The observer's own INFO calls are not the requests'.
          ...(after.stats && before.stats ? { redisExecuted: perRequest(after.stats, before.stats, requests, ['info']) } : {}),
        });
      } finally {
        await built.close();
      }
    }
  } finally {
    if (observer && !sharedIdempotencyPrefix) await deleteKeysUnder(observer, idempotencyPrefix);
    await Promise.all([redis?.quit(), observer?.quit()]);
  }
  return { requests, rows };
}
