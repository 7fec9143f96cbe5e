/**
 * `npm run bench`: what the security layer costs, and how Signet scales out, measured on loopback.
 *
 * Mode: PostgreSQL + Redis when BENCH_DATABASE_URL / BENCH_REDIS_URL are set (a dedicated schema,
 * dropped afterwards), else the embedded default (PGlite + memory stores). Servers run as child
 * processes; autocannon runs here. Results: bench/results/<mode>.json and bench/RESULTS.md.
 *
 * Knobs (environment): BENCH_DURATION (measured seconds per scenario, default 6), BENCH_WARMUP
 * (default 2), BENCH_CONNECTIONS (per server process, default 10), BENCH_CPU_PROF (a directory:
 * servers run with `node --cpu-prof` and write their profiles there on exit), BENCH_ONLY (scenario
 * ids, e.g. "3,4": runs only those, for profiling; nothing is written then).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openBenchEnv, type BenchEnv } from './bench-env';
import { runLoad, type BenchRequest, type LoadFigures } from './load';
import { runRateLimitAccuracyBench } from './rate-limit-accuracy';
import { measureRedisCost } from './redis-cost';
import { machine, targets, writeResults, type ModeResult, type ScenarioResult } from './report';
import { controlRequests, scenarioRequests, type BenchCredential } from './requests';
import { benchServerEnv, startControlServer, startSignetServe, type BenchServer } from './servers';

const settings = {
  durationSeconds: Number(process.env.BENCH_DURATION ?? 6),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
  connectionsPerServer: Number(process.env.BENCH_CONNECTIONS ?? 10),
};

const log = (line: string) => process.stdout.write(`${line}\n`);

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((id) => id.trim())) : null;

/** Runs one scenario against `servers`, logging its figures as it goes. */
async function scenario(id: string, title: string, servers: readonly BenchServer[], next: (target: string) => BenchRequest): Promise<ScenarioResult> {
  if (only && !only.has(id)) return { id, title, servers: servers.length, skipped: 'not in BENCH_ONLY' };
  const figures: LoadFigures = await runLoad({ targets: servers.map((s) => s.url), next, connectionsPerTarget: settings.connectionsPerServer, durationSeconds: settings.durationSeconds, warmupSeconds: settings.warmupSeconds });
  log(`  ${id.padEnd(3)} ${title.padEnd(58)} ${String(figures.requestsPerSecond).padStart(6)} req/s  p50 ${figures.p50Ms} ms  p99 ${figures.p99Ms} ms  errors ${figures.errors}`);
  if (figures.sampleError) log(`      first error: ${figures.sampleError.slice(0, 200)}`);
  return { id, title, servers: servers.length, figures };
}

/** Sends one protected order with `key` so that scenario 5 has an outcome to replay. */
async function placeOnce(server: BenchServer, request: BenchRequest): Promise<void> {
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`the order to replay failed: ${response.status} ${text.slice(0, 300)}`);
}

/** Scenarios 1, 2, 4 and 5 on one `signet serve` process. */
async function singleProcessScenarios(env: BenchEnv): Promise<{ results: ScenarioResult[]; credentials: BenchCredential[] }> {
  const serverEnv = benchServerEnv(env.serverEnv());
  const server = await startSignetServe(serverEnv);
  try {
    const credentials = await env.credentialsFor(serverEnv);
    const requests = scenarioRequests(credentials);
    const results = [
      await scenario('1', 'public `serverTime`, unsigned', [server], requests.serverTime),
      await scenario('2', 'signed `me { balances }`', [server], requests.meBalances),
      await scenario('4', '`placeOrder` signed + idempotent + rate-limited', [server], requests.protectedOrder),
    ];
    const key = randomUUID();
    await placeOnce(server, requests.replayOrder(key));
    results.push(await scenario('5', 'idempotent replay (same key, fresh signature)', [server], () => requests.replayOrder(key)));
    return { results, credentials };
  } finally {
    await server.stop();
  }
}

/** Scenario 3: the control server, over the same database kind and as many accounts. */
async function controlScenario(env: BenchEnv, accounts: number): Promise<ScenarioResult> {
  if (only && !only.has('3')) return { id: '3', title: 'control', servers: 1, skipped: 'not in BENCH_ONLY' };
  const { server, accounts: ids } = await startControlServer(benchServerEnv(env.serverEnv()), accounts);
  try {
    return await scenario('3', 'control: `placeOrder`, no directives', [server], controlRequests(ids));
  } finally {
    await server.stop();
  }
}

/** Scenario 6: scenarios 2 and 4 split across two processes sharing PostgreSQL and Redis. */
async function twoProcessScenarios(env: BenchEnv, credentials: BenchCredential[]): Promise<ScenarioResult[]> {
  if (!env.databaseUrl || !env.redisUrl) {
    const skipped = 'needs BENCH_DATABASE_URL and BENCH_REDIS_URL (the embedded default is one process: PGlite and memory stores cannot be shared)';
    return [{ id: '6a', title: 'scenario 2 on two processes', servers: 2, skipped }, { id: '6b', title: 'scenario 4 on two processes', servers: 2, skipped }];
  }
  if (only && !only.has('6a') && !only.has('6b')) return [];
  const serverEnv = benchServerEnv(env.serverEnv());
  const servers = await Promise.all([startSignetServe(serverEnv), startSignetServe(serverEnv)]);
  try {
    const requests = scenarioRequests(credentials);
    return [
      await scenario('6a', 'scenario 2 on two processes (load split)', servers, requests.meBalances),
      await scenario('6b', 'scenario 4 on two processes (load split)', servers, requests.protectedOrder),
    ];
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Deletes the idempotency outcomes the bench left in Redis (kept 24 h otherwise); the rest expires within a minute. */
async function cleanRedis(redisUrl: string, accountIds: readonly string[]): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (const id of accountIds) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `signet:idem:{${encodeURIComponent(id)}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    await redis.quit();
  }
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  const accounts: string[] = [];
  log(`Signet bench: ${env.label} (${env.databaseUrl ? 'PostgreSQL' : 'PGlite'} + ${env.redisUrl ? 'Redis' : 'memory'}), ${settings.warmupSeconds}+${settings.durationSeconds} s per scenario`);
  try {
    const single = await singleProcessScenarios(env);
    accounts.push(...single.credentials.map((c) => c.accountId));
    const control = await controlScenario(env, single.credentials.length);
    const pair = await twoProcessScenarios(env, single.credentials);
    const byId = new Map([...single.results, control, ...pair].map((s) => [s.id, s]));
    const scenarios = ['1', '2', '3', '4', '5', '6a', '6b'].map((id) => byId.get(id) as ScenarioResult);

    if (only) return; // a partial run (profiling) never overwrites the results
    let redisCost: ModeResult['redisCost'] = { skipped: 'no Redis (memory stores): set BENCH_REDIS_URL' };
    let accuracy: ModeResult['accuracy'] = { skipped: "needs Redis for graphql-rate-limit's RedisStore: set BENCH_REDIS_URL" };
    if (env.redisUrl) {
      const db = await env.openLocalDatabase();
      try {
        accounts.push(...db.credentials.map((c) => c.accountId));
        redisCost = await measureRedisCost(env.redisUrl, db);
        log(`  Redis per protected mutation: ${redisCost.roundTrips} round trips; commands ${JSON.stringify(redisCost.clientCommands)}`);
      } finally {
        await db.close();
      }
      accuracy = await runRateLimitAccuracyBench(env.redisUrl, { trials: 5 });
      log(`  rate-limit accuracy: ${accuracy.results.map((r) => `${r.name}: ${r.admittedPerTrial.join(' ')}`).join('; ')}`);
    }
    const result: ModeResult = {
      label: env.label, database: env.databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)', redis: env.redisUrl ? 'Redis' : 'memory stores',
      date: new Date().toISOString(), machine: machine(), settings, scenarios, redisCost, accuracy,
    };
    targets(result).forEach((line) => log(`  ${line.replace(/\*\*/g, '')}`));
    log(`Results written to ${writeResults(result)}`);
  } finally {
    if (env.redisUrl) await cleanRedis(env.redisUrl, accounts).catch((error: Error) => log(`  could not clean Redis: ${error.message}`));
    await env.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
