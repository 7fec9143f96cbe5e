/**
 * `npm run bench`: what the security layer costs, and how Signet scales out, measured on loopback.
 *
 * Mode: PostgreSQL + Redis when BENCH_DATABASE_URL / BENCH_REDIS_URL are set (a dedicated schema,
 * dropped afterwards), else the embedded default (PGlite + memory stores). Servers run as child
 * processes; autocannon runs here. Results: bench/results/<mode>.json and bench/RESULTS.md.
 *
 * Knobs (environment): BENCH_DURATION (measured seconds per scenario, default 30, split into
 * BENCH_ROUNDS rounds, default 10, taken in turn with the scenarios it is compared with: with 6 s in
 * 3 rounds the servers' drift between turns put the signed control above the protected server in
 * most full runs, see ANALYSIS.md, eighteenth pass),
 * BENCH_WARMUP (default 2), BENCH_TURN_WARMUP (unmeasured seconds before each turn, default 1), BENCH_CONNECTIONS (per server process, default 10), BENCH_CPU_PROF (a directory:
 * servers run with `node --cpu-prof` and write their profiles there on exit), BENCH_SERVER_NODE_FLAGS
 * (more flags for the server processes, for experiments: e.g. `--no-flush-bytecode`), BENCH_ONLY (scenario
 * ids, e.g. "3,4", and `peers`: runs only those, for profiling; nothing is written then).
 *
 * Also measured in the same run: the verification primitive (primitive.ts) and the matching module
 * (matching-throughput.ts), both before any load; after scenario 7 (crossing.ts) its outcome and
 * `reconcile()`; the cost of history (history.ts, BENCH_HISTORY_ORDERS, see below) and, with Redis,
 * the peers side by side (peers.ts: other servers and rate limiters on a toy mutation).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openBenchEnv, type BenchEnv } from './bench-env';
import { crossingOutcome, crossingRequests, seedCrossingBooks, type CrossingOutcome } from './crossing';
import { createMeasurement, type BenchRequest } from './load';
import { measureHistoryCost } from './history';
import { measureMatchingThroughput } from './matching-throughput';
import { runRateLimitAccuracyBench } from './rate-limit-accuracy';
import { runPeersBench } from './peers';
import { measureVerificationPrimitives } from './primitive';
import { measureRequestCosts } from './request-cost';
import { measureRoundTrips } from './round-trip-cost';
import { IN_PROCESS_LINE } from './profile/in-process';
import { median } from './stats';
import { machine, targets, writeResults, type InProcessResult, type ModeResult, type ScenarioResult } from './report';
import { controlRequests, scenarioRequests, type BenchCredential } from './requests';
import { benchServerEnv, startControlServer, startSignetServe, type BenchServer } from './servers';

const settings = {
  durationSeconds: Number(process.env.BENCH_DURATION ?? 30),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
  connectionsPerServer: Number(process.env.BENCH_CONNECTIONS ?? 10),
  rounds: Number(process.env.BENCH_ROUNDS ?? 10),
  /** Unmeasured load before each turn: a server idle through the others' turns starts its own warm again. */
  turnWarmupSeconds: Number(process.env.BENCH_TURN_WARMUP ?? 1),
};

/**
 * The history comparison (history.ts): BENCH_HISTORY_ORDERS historical orders (default 1,000,000; 0
 * skips it; on the 2-core machine the seed took 24-39 s on PostgreSQL, 48 s on PGlite in memory,
 * whose process then holds 2.5 GiB, and 150 s on PGlite with three other jobs running: a smaller
 * count bounds it), BENCH_HISTORY_ITERATIONS calls per operation per round (default 100).
 */
const historySettings = {
  orders: Number(process.env.BENCH_HISTORY_ORDERS ?? 1_000_000),
  iterations: Number(process.env.BENCH_HISTORY_ITERATIONS ?? 100),
};

const log = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The in-process measurement (bench/profile/in-process.ts) of scenarios 3b, 3v (3b plus one Ed25519
 * verification), 3f (3v plus the round trips 3 sends beyond 3b), 3k (3b running the signature check
 * twice, timed), 3 and 4: BENCH_INPROC_REQUESTS per scenario and round (default 600),
 * BENCH_INPROC_ROUNDS rounds (default 5).
 */
const IN_PROCESS_SCENARIOS = ['3b', '3v', '3f', '3k', '3', '3h', '4'];
const inProcessSettings = {
  requests: Number(process.env.BENCH_INPROC_REQUESTS ?? 600),
  rounds: Number(process.env.BENCH_INPROC_ROUNDS ?? 5),
};

/** Runs bench/profile/in-process.js in a child process on this run's mode and reads its JSON result. */
async function measureInProcessApart(): Promise<InProcessResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', join(__dirname, 'profile', 'in-process.js')], {
    env: {
      ...process.env, INPROC_ONLY: IN_PROCESS_SCENARIOS.join(','), INPROC_REQUESTS: String(inProcessSettings.requests),
      INPROC_ROUNDS: String(inProcessSettings.rounds), INPROC_BLOCK: '20', INPROC_JSON: '1',
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith(`${IN_PROCESS_LINE} `));
  if (!line) throw new Error(`the in-process measurement printed no result: ${stdout.slice(-500)}`);
  return JSON.parse(line.slice(IN_PROCESS_LINE.length + 1)) as InProcessResult;
}

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((id) => id.trim())) : null;

/** One scenario to measure. */
interface Plan { readonly id: string; readonly title: string; readonly servers: readonly BenchServer[]; readonly next: (target: string) => BenchRequest }

/**
 * Measures `plans` together: each is warmed up, then they take turns for `rounds` rounds, so
 * scenarios compared with each other (3 with 4, 4 with 6b) see the same background load.
 */
async function measure(plans: readonly Plan[]): Promise<ScenarioResult[]> {
  const active = plans.filter((plan) => !only || only.has(plan.id)).map((plan) => ({
    plan,
    measurement: createMeasurement({
      targets: plan.servers.map((s) => s.url), next: plan.next, connectionsPerTarget: settings.connectionsPerServer,
      serverCpuMs: () => plan.servers.reduce((sum, s) => sum + s.cpuMs(), 0),
      serverMainThreadCpuMs: () => plan.servers.reduce((sum, s) => sum + s.mainThreadCpuMs(), 0),
    }),
  }));
  for (const { measurement } of active) await measurement.warmUp(settings.warmupSeconds);
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const { measurement } of active) {
      if (settings.turnWarmupSeconds > 0) await measurement.warmUp(settings.turnWarmupSeconds);
      await measurement.round(settings.durationSeconds / settings.rounds);
    }
  }
  return active.map(({ plan, measurement }) => {
    const figures = measurement.figures();
    log(`  ${plan.id.padEnd(3)} ${plan.title.padEnd(58)} ${String(figures.requestsPerSecond).padStart(6)} req/s  p50 ${figures.p50Ms} ms  p99 ${figures.p99Ms} ms  ` +
      `errors ${figures.errors}  server CPU ${figures.serverCpuMsPerRequest ?? '?'} ms/req (main thread ${figures.serverMainThreadCpuMsPerRequest ?? '?'})`);
    if (figures.cpu) log(`      machine CPU: ${Object.entries(figures.cpu).map(([k, v]) => `${k} ${v}%`).join(', ')}`);
    if (figures.sampleError) log(`      first error: ${figures.sampleError.slice(0, 200)}`);
    return { id: plan.id, title: plan.title, servers: plan.servers.length, figures };
  });
}

/** Sends one protected order with `key` so that scenario 5 has an outcome to replay. */
async function placeOnce(server: BenchServer, request: BenchRequest): Promise<void> {
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`the order to replay failed: ${response.status} ${text.slice(0, 300)}`);
}

const SKIPPED_PAIR = 'needs BENCH_DATABASE_URL and BENCH_REDIS_URL (the embedded default is one process: PGlite and memory stores cannot be shared)';

/**
 * Every load scenario. All servers start first and stay up (an idle server costs nothing):
 * one `signet serve`, the two control servers and, with PostgreSQL + Redis, a pair of
 * `signet serve` processes sharing them.
 */
async function loadScenarios(env: BenchEnv): Promise<{ results: ScenarioResult[]; credentials: BenchCredential[]; crossing: CrossingOutcome }> {
  const servers: BenchServer[] = [];
  try {
    const serverEnv = benchServerEnv(env.serverEnv());
    let single = await startSignetServe(serverEnv);
    const credentials = await env.credentialsFor(serverEnv);
    // Scenario 7's makers go into single's database. Embedded, that database is this process's
    // only while no server has it open: stopped for the seeding, started again (before any load).
    if (!env.databaseUrl) await single.stop();
    else servers.push(single);
    const crossingSeconds = settings.warmupSeconds + settings.durationSeconds + settings.rounds * settings.turnWarmupSeconds;
    const makers = await env.withServerDatabase(serverEnv, (db) => seedCrossingBooks(db, crossingSeconds));
    if (!env.databaseUrl) {
      single = await startSignetServe(serverEnv);
      servers.push(single);
    }
    // Embedded, each control's database is created (PGlite's initdb, in process) by a first start
    // that is stopped again, as single's was for the seeding above, so every measured server opens
    // an existing directory: a process that ran initdb keeps the memory it grew for it (measured
    // on 2026-12-02: 670-860 MB resident, against 365-395 MB for a process that opened an existing
    // directory). Whether that moved the controls' CPU per request, this host's drift did not let
    // one run tell (bench/ANALYSIS.md, eleventh pass).
    const controlEnvs = { signed: benchServerEnv(env.serverEnv()), bare: benchServerEnv(env.serverEnv()) };
    if (!env.databaseUrl) {
      for (const variant of ['signed', 'bare'] as const) await (await startControlServer(controlEnvs[variant], variant, credentials.length)).server.stop();
    }
    const signedControl = await startControlServer(controlEnvs.signed, 'signed', credentials.length);
    const bareControl = await startControlServer(controlEnvs.bare, 'bare', credentials.length);
    servers.push(signedControl.server, bareControl.server);
    const shared = env.databaseUrl && env.redisUrl;
    const pair = shared ? await Promise.all([startSignetServe(serverEnv), startSignetServe(serverEnv)]) : [];
    servers.push(...pair);

    const requests = scenarioRequests(credentials);
    const results = await measure([{ id: '1', title: 'public `serverTime`, unsigned', servers: [single], next: requests.serverTime }]);
    results.push(...await measure([
      { id: '2', title: 'signed `me { balances }`', servers: [single], next: requests.meBalances },
      ...(shared ? [{ id: '6a', title: 'scenario 2 on two processes (load split)', servers: pair, next: requests.meBalances }] : []),
    ]));
    results.push(...await measure([
      { id: '3b', title: 'control: `placeOrder`, no directives, no signature check', servers: [bareControl.server], next: controlRequests(bareControl.credentials.map((c) => c.accountId)) },
      { id: '3', title: 'control: `placeOrder`, no directives (signature check on)', servers: [signedControl.server], next: scenarioRequests(signedControl.credentials).protectedOrder },
      { id: '4', title: '`placeOrder` signed + idempotent + rate-limited', servers: [single], next: requests.protectedOrder },
      ...(shared ? [{ id: '6b', title: 'scenario 4 on two processes (load split)', servers: pair, next: requests.protectedOrder }] : []),
      { id: '7', title: 'crossing `placeOrder` (each fills a resting order), signed + idempotent + rate-limited', servers: [single], next: crossingRequests(credentials, ['BTC-USD']) },
      { id: '7b', title: 'scenario 7 spread over two markets (BTC-USD, ETH-USD), same connections, separate accounts', servers: [single], next: crossingRequests(credentials, ['BTC-USD', 'ETH-USD']) },
    ]));
    const key = randomUUID();
    await placeOnce(single, requests.replayOrder(key));
    results.push(...await measure([{ id: '5', title: 'idempotent replay (same key, fresh signature)', servers: [single], next: () => requests.replayOrder(key) }]));
    if (!shared) {
      results.push({ id: '6a', title: 'scenario 2 on two processes', servers: 2, skipped: SKIPPED_PAIR }, { id: '6b', title: 'scenario 4 on two processes', servers: 2, skipped: SKIPPED_PAIR });
    }
    await Promise.all(servers.map((s) => s.stop()));
    const crossing = await env.withServerDatabase(serverEnv, (db) => crossingOutcome(db, makers));
    log(`  scenario 7/7b: ${Object.entries(crossing.takers).map(([m, n]) => `${n} crossing orders in ${m}`).join(', ')}; not filled ${crossing.unfilledTakers}; ` +
      `makers left ${JSON.stringify(crossing.makersLeft)}; reconcile ${JSON.stringify(crossing.reconcile)}`);
    return { results, credentials, crossing };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function main(): Promise<void> {
  const host = machine(); // before any load: its load average says what else the machine was doing
  const primitive = measureVerificationPrimitives(); // before any load, in this run
  log(`  verification primitive (CPU ms/op over a ${primitive.signatureBaseBytes}-byte base): Ed25519 verify ${primitive.ed25519VerifyMs}, ` +
    `via nodeCrypto ${primitive.ed25519ProviderVerifyMs}, with key import ${primitive.ed25519ImportAndVerifyMs}; HMAC-SHA256 + timingSafeEqual ${primitive.hmacSignCompareMs}`);
  const matching = measureMatchingThroughput(); // no I/O, before any load too
  log(`  matching module in-process: ${matching.shapes.map((s) => `${s.matchesPerSecond} matches/s (${s.shape})`).join('; ')}`);
  const env = await openBenchEnv();
  log(`Signet bench: ${env.label} (${env.databaseUrl ? 'PostgreSQL' : 'PGlite'} + ${env.redisUrl ? 'Redis' : 'memory'}), ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s in ${settings.rounds} rounds per scenario, ${settings.turnWarmupSeconds} s unmeasured before each round`);
  try {
    const load = await loadScenarios(env);
    const byId = new Map(load.results.map((s) => [s.id, s]));
    const scenarios = ['1', '2', '3', '3b', '4', '5', '6a', '6b', '7', '7b'].flatMap((id) => byId.get(id) ?? []);

    if (only) { // a partial run (profiling) never overwrites the results
      if (only.has('peers') && env.redisUrl) await runPeersBench(env.redisUrl, settings, log);
      return;
    }
    const db = await env.openLocalDatabase();
    let costs: ModeResult['costs'];
    let roundTrips: ModeResult['roundTrips'];
    let inProcess: ModeResult['inProcess'];
    try {
      costs = await measureRequestCosts(db, env.redisUrl, undefined, env.idempotencyRedisPrefix);
      for (const row of costs.rows) log(`  cost of scenario ${row.scenario}: ${row.sqlStatements} SQL statements, ${row.redisRoundTrips ?? 0} Redis round trips ${JSON.stringify(row.redisCommands ?? {})}`);
      roundTrips = await measureRoundTrips(db.driver, env.redisUrl);
      log(`  round trip (CPU ms, one at a time / ${roundTrips.inFlight} in flight): SQL ${roundTrips.sqlStatementMs.sequential} / ${roundTrips.sqlStatementMs.concurrent}` +
        (roundTrips.recordWriteMs ? `; idempotency record write ${roundTrips.recordWriteMs.sequential} / ${roundTrips.recordWriteMs.concurrent}` : '') +
        (roundTrips.redisRoundTripMs ? `; Redis ${roundTrips.redisRoundTripMs.sequential} / ${roundTrips.redisRoundTripMs.concurrent}` : ''));
    } finally {
      await db.close();
    }
    // No load runs now: the servers of 3b, 3v, 3f, 3 and 4 in a process of their own (this one's heap
    // is large after the load, and its collections would land on whichever scenario runs), taking
    // turns every 20 requests.
    inProcess = await measureInProcessApart();
    log(`  in one process (CPU ms per request, median of ${inProcess.rounds} rounds): ${inProcess.scenarios.map(({ id, roundsMs }) => `${id} ${median(roundsMs).toFixed(3)}`).join(', ')}`);
    let accuracy: ModeResult['accuracy'] = { skipped: "needs Redis for graphql-rate-limit's RedisStore: set BENCH_REDIS_URL" };
    if (env.redisUrl) {
      accuracy = await runRateLimitAccuracyBench(env.redisUrl, { trials: 5 });
      log(`  rate-limit accuracy: ${accuracy.results.map((r) => `${r.name}: ${r.admittedPerTrial.join(' ')}`).join('; ')}`);
    }
    const history = historySettings.orders > 0
      ? await measureHistoryCost(env, { historicalOrders: historySettings.orders, iterations: historySettings.iterations, rounds: settings.rounds, log })
      : { skipped: 'BENCH_HISTORY_ORDERS=0' };
    if ('ops' in history) for (const op of history.ops) log(`  history ${op.op}: ${op.withoutMs} → ${op.withMs} ms (${op.ratio}×)`);
    const peers: ModeResult['peers'] = env.redisUrl
      ? await runPeersBench(env.redisUrl, settings, log)
      : { skipped: 'needs Redis (set BENCH_REDIS_URL): the peers are compared on the stores several processes can share, and the side by side runs only then' };
    const result: ModeResult = {
      label: env.label, database: env.databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)', redis: env.redisUrl ? 'Redis' : 'memory stores',
      date: new Date().toISOString(), machine: host, settings, scenarios, costs, roundTrips, inProcess, accuracy, primitive, peers, crossing: load.crossing, matching, history,
    };
    targets(result).forEach((line) => log(`  ${line.replace(/\*\*/g, '')}`));
    log(`Results written to ${writeResults(result)}`);
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
