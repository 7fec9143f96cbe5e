/**
 * Server CPU per request of scenarios 2, 3b, 3 and 4, measured in one process with no network
 * and no concurrency: the servers are built as request-cost.ts builds them (embedded PGlite and
 * memory stores, or PostgreSQL + Redis with BENCH_DATABASE_URL / BENCH_REDIS_URL), every request
 * is built (and signed) before the clock starts, then sent one at a time with Fastify's `inject`.
 * What it measures is the CPU of this process (`process.cpuUsage`), so other work on a shared
 * machine barely moves it; run it under `node --cpu-prof` (one scenario: INPROC_ONLY=3) for a
 * profile with nothing else in it.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/profile/in-process.js
 *
 * The client's garbage (building and signing a batch) is collected before each measured batch (the
 * collector is exposed at run time when node was not started with `--expose-gc`), so it does not
 * land in the signed scenarios' figures. `npm run bench` runs it too, as a child process of its own
 * (scenarios 3b, 3v, 3f, 3 and 4 in turns of 20 requests, INPROC_JSON=1 for a JSON result line), for
 * the report's in-process lines.
 *
 * Knobs: INPROC_REQUESTS (per scenario and round, default 1000), INPROC_ROUNDS (default 3; the
 * scenarios take turns, the figure is the median round), INPROC_BLOCK (take turns every that
 * many requests instead, e.g. 20: differences of 0.1 ms then stand out of a shared machine's drift), INPROC_ONLY (e.g. "3,3b"). Scenario `3s` (not
 * in the bench) is 3b's server fed 3's signed requests: 3s − 3b is what carrying a signature costs
 * the process without checking it, 3 − 3s the checking. Scenario `3v` is 3b's server doing one
 * Ed25519 verification of a fixed message per request: the primitive's cost inside a request. Scenario
 * `3f` is 3v plus the round trips 3 sends beyond 3b (PostgreSQL + Redis: one Redis round trip and one
 * SQL statement; embedded: none): the signature layer's floor inside a request, against which 3 − 3b
 * is what the layer costs beyond it. Scenario `3k` is 3b's server running the signed server's own
 * signature check on 3's requests twice per request (nothing claimed or counted), timing each run
 * inside the request: the first is the check as a request runs it, the second the same work with
 * its code and data just used (`checkTimings` in the result: how much of the check's cost in a
 * request is its caches being cold). Scenario `3h` is scenario 3 with requests signed by HMAC-SHA256
 * keys of the same accounts: 3h − 3b is the signature layer held against the HMAC primitive.
 *
 * On PostgreSQL + Redis the signed scenarios run twice in the same rounds: `2`, `3`, `4` with the
 * key material cached as the runtime does (key versions on Redis), and `2r`, `3r`, `4r` reading the
 * key row on every request (as before the cache), for before/after figures from one run.
 */
import pino from 'pino';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { declareCompleteIfNoLiveRecords } from '@signet/idempotency';
import { Redis } from 'ioredis';
import { createRedisKeyVersionStore } from '../../src/stores/redis';
import { memorySecurityStores, redisSecurityStores } from '../../src/runtime';
import type { DirectiveDeps } from '../../src/directives';
import { createSignetServer } from '../../src/transport/http/create-signet-server';
import { requestLimitsFrom } from '../../src/transport/http/request-limits';
import { createMetrics } from '../../src/metrics';
import type { SecurityStores } from '../../src/transport/security-stores';
import { deleteKeysUnder } from '../redis-keys';
import { openBenchEnv, type BenchEnv } from '../bench-env';
import type { InProcessResult } from '../report-types';
import { median } from '../stats';
import { createControlApp, type ControlVariant } from '../control-server';
import type { BenchRequest } from '../load';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FEE_ACCOUNT_ID } from '../../src/domain';
import type { SqlExecutor } from '../../src/stores/postgres';
import { BENCH_AUTHORITY, PLACE_ORDER_BODY, controlRequests, createSigner, scenarioRequests } from '../requests';
import { BENCH_FIELD_RATE_LIMITS, BENCH_RATE_LIMITS } from '../servers';
import { seedHmacKeys } from '../seed';

/** The line prefix of the JSON result printed with INPROC_JSON=1 (read by bench/run.ts). */
export const IN_PROCESS_LINE = 'IN_PROCESS_RESULT';

/** What to measure: which scenarios, how many requests per round, how many rounds, turns of how many requests. */
interface InProcessOptions {
  /** Scenario ids (e.g. 3b, 3v, 3f, 3, 4); all when absent. */
  readonly only?: ReadonlySet<string>;
  readonly requests: number;
  readonly rounds: number;
  /** The scenarios take turns every this many requests within a round; a whole round each when absent. */
  readonly block?: number;
}

/**
 * The garbage collector, to collect the client's garbage (building and signing a batch) before a
 * measured batch: `gc` under `node --expose-gc`, else exposed at run time (the bench's own process).
 */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * What scenario 3 sends beyond 3b, as one call per request of scenario 3f: on PostgreSQL + Redis one
 * EVALSHA (a one-command script on a key of its own: the admission's script is one round trip) and
 * one prepared primary-key SELECT (as the key hold); embedded, nothing (the nonce, the limits and the
 * key hold stay in memory there).
 */
async function floorRoundTripsOf(redis: Redis | undefined, driver: SqlExecutor | undefined): Promise<() => Promise<void>> {
  if (!redis || !driver) return async () => undefined;
  const sha = String(await redis.script('LOAD', "return redis.call('INCR', KEYS[1])"));
  const key = `signet-bench:inproc-floor:${randomUUID()}`;
  return async () => {
    await redis.evalsha(sha, 1, key);
    const rows = await driver.query('SELECT 1 AS one FROM accounts WHERE id = $1', [FEE_ACCOUNT_ID], { prepared: true });
    if (rows.length !== 1) throw new Error('floor round trips: the fee account row is missing');
  };
}

/**
 * Measures `options.only` (all scenarios when absent) in this process on `env`'s stores (a database
 * of its own: `openLocalDatabase`), and removes the Redis keys it made. Writes nothing to stdout.
 */
async function measureInProcess(env: BenchEnv, options: InProcessOptions): Promise<InProcessResult> {
  const { only, requests, rounds } = options;
  const gc = collector();
  const db = await env.openLocalDatabase();
  const redis = env.redisUrl ? new Redis(env.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  // The database's own idempotency namespace (a marker vouches for one database's records).
  const idempotencyPrefix = env.idempotencyRedisPrefix ?? `signet:bench:inproc:${randomUUID()}:idem:`;
  try {
    const security: SecurityStores = redis ? redisSecurityStores(redis, { idempotencyPrefix }) : memorySecurityStores({ nonceCompleteSinceMs: 0 });
    await security.nonces.open();
    // As `openRuntime` (and request-cost.ts): with no live record in the database the idempotency
    // store is declared complete, so a keyed call skips the record lookup a restarted store needs.
    // Without it every scenario-4 request paid one more SELECT (outside the transaction, parsed
    // each time on PGlite) that the bench's servers do not: about 1.2 ms on the 2026-12-02 Intel host.
    await declareCompleteIfNoLiveRecords(security.idempotency, db.idempotencyRecords, Date.now);
    const metrics = createMetrics();
    const logger = pino({ level: 'warn' });
    const directives: DirectiveDeps = {
      rateLimits: security.rateLimits, fallbackRateLimits: createMemoryRateLimitStore(), idempotency: security.idempotency, idempotencyRecords: db.idempotencyRecords,
      uow: db.uow, now: Date.now, idempotencyTtlMs: 24 * 3_600_000, rateLimitOverrides: BENCH_FIELD_RATE_LIMITS, metrics, logger,
    };
    // PostgreSQL + Redis: as the runtime, key material cached against the key versions on Redis.
    const cached = redis && env.databaseUrl ? db.servicesWith(createRedisKeyVersionStore(redis)) : db.services;
    const common = { services: cached, security, directives, metrics, logger, readiness: [], signatureMaxAgeSeconds: 300 };
    const accounts = db.credentials.map((c) => c.accountId);
    const signed = scenarioRequests(db.credentials);
    // The same accounts signing with HMAC-SHA256 keys (3h), made once per database like the Ed25519 ones.
    const hmacSigned = !only || only.has('3h') ? scenarioRequests(await seedHmacKeys(db.services, accounts)) : null;
    const bareSigner = createSigner(db.credentials);
    let bareTurn = 0;
    const signedForBare = (): BenchRequest => {
      const i = (bareTurn = (bareTurn + 1) % db.credentials.length);
      const request = bareSigner(PLACE_ORDER_BODY, { 'idempotency-key': randomUUID() }, i);
      return { body: request.body, headers: { ...request.headers, 'x-bench-account': db.credentials[i].accountId } };
    };
    const keyRead = cached !== db.services ? { services: db.services } : null;
    const plans = [
      { id: '2', server: 'protected' as const, next: signed.meBalances },
      { id: '3b', server: 'bare' as const, next: controlRequests(accounts) },
      { id: '3', server: 'signed' as const, next: signed.protectedOrder },
      // 3b's server fed scenario 3's signed requests (plus the caller's header): what carrying a
      // signature costs without checking it (bigger requests, the client's signing garbage).
      { id: '3s', server: 'bare' as const, next: signedForBare },
      // 3b's server with one Ed25519 verification per request (a fixed message): the primitive in situ.
      { id: '3v', server: 'bare+ed25519' as const, next: controlRequests(accounts) },
      // 3v plus the round trips scenario 3 sends beyond 3b, with the server's clients (PostgreSQL +
      // Redis: one EVALSHA and one prepared SELECT; embedded: none, so 3f is 3v): the signature
      // layer's floor in situ, where a round trip costs what it costs a server, not one timed alone.
      { id: '3f', server: 'bare+floor' as const, next: controlRequests(accounts) },
      // 3b's server running the signed server's own signature check on 3's requests twice, each
      // timed inside the request (parse, base, digest, key, verification; no nonce claimed,
      // nothing counted): the check as a request runs it, and again with its code and data just used.
      { id: '3k', server: 'bare+check' as const, next: signedForBare },
      // Scenario 3's server and requests, signed with HMAC-SHA256 keys: the layer against the HMAC primitive.
      ...(hmacSigned ? [{ id: '3h', server: 'signed' as const, next: hmacSigned.protectedOrder }] : []),
      { id: '4', server: 'protected' as const, next: signed.protectedOrder },
      ...(keyRead ? [
        { id: '2r', server: 'protected' as const, next: signed.meBalances, ...keyRead },
        { id: '3r', server: 'signed' as const, next: signed.protectedOrder, ...keyRead },
        { id: '4r', server: 'protected' as const, next: signed.protectedOrder, ...keyRead },
      ] : []),
    ].filter((p) => !only || only.has(p.id));
    const floorRoundTrips = await floorRoundTripsOf(redis, env.databaseUrl ? db.driver : undefined);
    const servers = await Promise.all(plans.map((plan: { server: 'protected' | ControlVariant; services?: typeof db.services }) => (plan.server === 'protected'
      ? createSignetServer({ ...common, ...(plan.services ? { services: plan.services } : {}), introspection: false, development: false, publicUrl: { scheme: 'https', authority: BENCH_AUTHORITY }, requestLimits: requestLimitsFrom(BENCH_RATE_LIMITS) })
      : createControlApp({ ...common, ...(plan.services ? { services: plan.services } : {}), rateLimitOverrides: BENCH_RATE_LIMITS, floorRoundTrips }, plan.server, accounts))));
    // Listening (on a loopback port nothing is sent to) resolves the signing target; requests go through inject.
    for (const server of servers) await server.app.listen({ host: '127.0.0.1', port: 0 });
    const send = async (i: number, request: BenchRequest) => {
      const response = await servers[i].app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', host: BENCH_AUTHORITY, ...request.headers }, payload: request.body, remoteAddress: '127.0.0.1' });
      if (response.statusCode !== 200 || response.body.includes('"errors"')) throw new Error(`scenario ${plans[i].id}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    };
    const figures: number[][] = plans.map(() => []);
    for (let i = 0; i < plans.length; i += 1) for (let n = 0; n < 200; n += 1) await send(i, plans[i].next()); // warm-up
    const checkTimings = servers.map((server) => ('checkTimings' in server ? server.checkTimings : undefined)).find((t) => t !== undefined);
    checkTimings?.reset();
    // INPROC_BLOCK: the scenarios take turns every that many requests within a round (default:
    // a whole round each), so drifts of a shared machine's speed fall on all of them alike.
    const block = Math.min(requests, options.block ?? requests);
    for (let round = 0; round < rounds && block < requests; round += 1) {
      const batches = plans.map((plan) => Array.from({ length: requests }, () => plan.next()));
      gc();
      const used = plans.map(() => 0);
      for (let from = 0; from < requests; from += block) {
        for (let i = 0; i < plans.length; i += 1) {
          const start = process.cpuUsage();
          for (const request of batches[i].slice(from, from + block)) await send(i, request);
          const spent = process.cpuUsage(start);
          used[i] += spent.user + spent.system;
        }
      }
      for (let i = 0; i < plans.length; i += 1) figures[i].push(used[i] / 1000 / requests);
    }
    for (let round = 0; round < rounds && block >= requests; round += 1) {
      for (let i = 0; i < plans.length; i += 1) {
        const batch = Array.from({ length: requests }, () => plans[i].next());
        // The garbage of building (and signing) the batch is collected before the clock starts, so
        // it is not charged to the signed scenarios' server work.
        gc();
        const start = process.cpuUsage();
        for (const request of batch) await send(i, request);
        const used = process.cpuUsage(start);
        figures[i].push((used.user + used.system) / 1000 / requests);
      }
    }
    await Promise.all(servers.map((s) => s.close()));
    // Scenario 4's idempotency outcomes would stay 24 h in a shared Redis; the rest expires within minutes.
    if (redis) await deleteKeysUnder(redis, idempotencyPrefix);
    if (redis) await deleteKeysUnder(redis, 'signet-bench:inproc-floor:');
    return {
      requests, rounds, ...(block < requests ? { block } : {}), scenarios: plans.map((plan, i) => ({ id: plan.id, roundsMs: figures[i] })),
      ...(checkTimings && checkTimings.requests > 0 ? { signatureCheck: { requests: checkTimings.requests, firstMs: checkTimings.firstMs / checkTimings.requests, againMs: checkTimings.againMs / checkTimings.requests } } : {}),
    };
  } finally {
    await redis?.quit();
    await db.close();
  }
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  try {
    const result = await measureInProcess(env, {
      requests: Number(process.env.INPROC_REQUESTS ?? 1000),
      rounds: Number(process.env.INPROC_ROUNDS ?? 3),
      ...(process.env.INPROC_BLOCK ? { block: Number(process.env.INPROC_BLOCK) } : {}),
      ...(process.env.INPROC_ONLY ? { only: new Set(process.env.INPROC_ONLY.split(',')) } : {}),
    });
    for (const { id, roundsMs } of result.scenarios) {
      process.stdout.write(`scenario ${id.padEnd(3)} ${median(roundsMs).toFixed(3)} ms CPU/request (rounds: ${roundsMs.map((f) => f.toFixed(3)).join(' ')})\n`);
    }
    // For `npm run bench`, which runs this in a process of its own (a fresh heap: the bench's is large after the load).
    if (process.env.INPROC_JSON === '1') process.stdout.write(`${IN_PROCESS_LINE} ${JSON.stringify(result)}\n`);
  } finally {
    await env.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`in-process: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
