/**
 * Peers side by side: the toy mutation of peer-server.ts behind graphql-yoga with
 * @envelop/rate-limiter, behind Apollo Server with graphql-rate-limit's getGraphQLRateLimiter on
 * its RedisStore, and behind the same two servers with Signet's @signet/directive-rate-limit on
 * @signet/rate-limit-redis (and, on yoga, both limiters' memory stores), plus each server with no
 * limiter. Each is a child process on a loopback ephemeral port.
 *
 * - Throughput: autocannon (load.ts), `ping` with its limit raised, callers taken in turn from
 *   PEER_CALLERS, every server warmed up then measured in interleaved rounds.
 * - Accuracy: 200 concurrent HTTP calls of `pingLimited` (max 10) from one fresh caller per trial;
 *   admitted = answered with data and no error. Preceded by 2 × max calls one after another,
 *   which must admit exactly max (the wiring is right, so an over-admission is a race).
 *
 * Library use: `runPeersBench(redisUrl, settings)`. CLI, after `tsc -p tsconfig.bench.json`:
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 node dist-bench/bench/peers.js   (prints, writes nothing)
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createMeasurement, type BenchRequest, type LoadFigures } from './load';
import { PEERS, PING_LIMITED_MAX, type PeerId } from './peer-server';
import { startPeerServer, type BenchServer } from './servers';

/** Distinct callers the throughput load rotates over (each has its own counters). */
export const PEER_CALLERS = 100;

/** One server + limiter, measured. */
export interface PeerRow {
  readonly id: PeerId;
  readonly server: string;
  readonly limiter: string;
  readonly store: string;
  readonly figures: LoadFigures;
  /** Absent for the servers with no limiter. */
  readonly accuracy?: { readonly admittedPerTrial: number[]; readonly sequentialAdmitted: number };
}

/** The whole side by side. */
export interface PeersResult {
  readonly callers: number;
  readonly concurrency: number;
  readonly max: number;
  readonly trials: number;
  readonly rows: readonly PeerRow[];
}

/** How long to load each server (the bench's own settings). */
export interface PeerLoadSettings { readonly durationSeconds: number; readonly warmupSeconds: number; readonly connectionsPerServer: number; readonly rounds: number }

const toyRequest = (field: 'ping' | 'pingLimited', n: number, caller: string): BenchRequest => ({
  body: JSON.stringify({ query: `mutation Toy($n: Int!) { ${field}(n: $n) }`, variables: { n } }),
  headers: { 'x-caller': caller },
});

/** `ping` from callers in turn (the identity each limiter counts by). */
function pingLoad(): () => BenchRequest {
  let n = 0;
  return () => {
    n += 1;
    return toyRequest('ping', n, `load-${n % PEER_CALLERS}`);
  };
}

/** One `pingLimited` call over HTTP; true when it was admitted (data, no errors). */
async function callLimited(url: string, n: number, caller: string): Promise<boolean> {
  const request = toyRequest('pingLimited', n, caller);
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
  const result = await response.json() as { data?: { pingLimited?: number | null } | null; errors?: unknown[] };
  return result.data?.pingLimited === n && !result.errors;
}

async function accuracyOf(url: string, concurrency: number, trials: number): Promise<NonNullable<PeerRow['accuracy']>> {
  const sequentialCaller = `sequential-${randomUUID()}`;
  let sequentialAdmitted = 0;
  for (let i = 0; i < 2 * PING_LIMITED_MAX; i += 1) if (await callLimited(url, i, sequentialCaller)) sequentialAdmitted += 1;
  const admittedPerTrial: number[] = [];
  for (let t = 0; t < trials; t += 1) {
    const caller = `trial-${randomUUID()}`;
    const outcomes = await Promise.all(Array.from({ length: concurrency }, (_, i) => callLimited(url, i, caller)));
    admittedPerTrial.push(outcomes.filter(Boolean).length);
  }
  return { admittedPerTrial, sequentialAdmitted };
}

/** Deletes every counter key this run wrote (all of them carry the run id); SCAN, never KEYS. */
async function cleanPeerKeys(redisUrl: string, run: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${run}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Runs the side by side on the Redis at `redisUrl` (every peer starts first and stays up; idle ones cost nothing). */
export async function runPeersBench(redisUrl: string, settings: PeerLoadSettings, log: (line: string) => void = () => undefined, options: { concurrency?: number; trials?: number } = {}): Promise<PeersResult> {
  const { concurrency = 200, trials = 5 } = options;
  const run = `peers-${randomUUID()}`;
  const ids = Object.keys(PEERS) as PeerId[];
  const servers: BenchServer[] = [];
  try {
    for (const id of ids) servers.push(await startPeerServer(id, run, redisUrl));
    const active = ids.map((id, i) => ({
      id, server: servers[i],
      measurement: createMeasurement({ targets: [servers[i].url], next: pingLoad(), connectionsPerTarget: settings.connectionsPerServer, serverCpuMs: () => servers[i].cpuMs() }),
    }));
    for (const { measurement } of active) await measurement.warmUp(settings.warmupSeconds);
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const { measurement } of active) await measurement.round(settings.durationSeconds / settings.rounds);
    }
    const rows: PeerRow[] = [];
    for (const { id, server, measurement } of active) {
      const peer = PEERS[id];
      const figures = measurement.figures();
      const accuracy = peer.limiter === 'none' ? undefined : await accuracyOf(server.url, concurrency, trials);
      log(`  peer ${id.padEnd(20)} ${String(figures.requestsPerSecond).padStart(6)} req/s  p50 ${figures.p50Ms} ms  p99 ${figures.p99Ms} ms  errors ${figures.errors}  ` +
        `server CPU ${figures.serverCpuMsPerRequest ?? '?'} ms/req${accuracy ? `  admitted ${accuracy.admittedPerTrial.join(' ')} (sequential ${accuracy.sequentialAdmitted})` : ''}`);
      if (figures.sampleError) log(`      first error: ${figures.sampleError.slice(0, 200)}`);
      rows.push({ id, ...peer, figures, ...(accuracy ? { accuracy } : {}) });
    }
    return { callers: PEER_CALLERS, concurrency, max: PING_LIMITED_MAX, trials, rows };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await cleanPeerKeys(redisUrl, run).catch((error: Error) => log(`  could not clean the peers' Redis keys: ${error.message}`));
  }
}

/** Peer rows with the same server and store as Signet's row, for the ratios: [peer, Signet]. */
export function peerPairs(result: PeersResult): Array<[PeerRow, PeerRow]> {
  const signet = result.rows.filter((r) => r.limiter === 'Signet');
  return result.rows.flatMap((row) => {
    if (row.limiter === 'Signet' || row.limiter === 'none') return [];
    const match = signet.find((s) => s.server === row.server && s.store === row.store);
    return match ? [[row, match] as [PeerRow, PeerRow]] : [];
  });
}

if (require.main === module) {
  const redisUrl = process.env.BENCH_REDIS_URL;
  if (!redisUrl) {
    process.stderr.write('peers: set BENCH_REDIS_URL\n');
    process.exitCode = 1;
  } else {
    const settings = {
      durationSeconds: Number(process.env.BENCH_DURATION ?? 6), warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
      connectionsPerServer: Number(process.env.BENCH_CONNECTIONS ?? 10), rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    };
    runPeersBench(redisUrl, settings, (line) => process.stdout.write(`${line}\n`)).then((result) => {
      for (const [peer, signet] of peerPairs(result)) {
        process.stdout.write(`  Signet / ${peer.limiter} on ${peer.server} (${peer.store}): ${(signet.figures.requestsPerSecond / peer.figures.requestsPerSecond).toFixed(2)}× throughput\n`);
      }
    }, (error: unknown) => {
      process.stderr.write(`peers: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
  }
}
