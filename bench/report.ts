/**
 * Bench results: one JSON file per mode under bench/results/, and bench/RESULTS.md rendered from
 * all of them (so running one mode refreshes its section and keeps the other's latest figures),
 * followed by the hand-written analysis in bench/ANALYSIS.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { matchingTargets, renderMatching } from './report-matching';
import type { InProcessResult, ModeResult } from './report-types';
import type { LoadFigures } from './load';
import { peerPairs } from './peers';
import type { PrimitiveCosts } from './primitive';
import type { RoundTripCost, RoundTripCosts } from './round-trip-cost';
import { median, round3 } from './stats';

export type { InProcessResult, ModeResult, ScenarioResult } from './report-types';

/** A ratio as a percentage with one decimal, rounded down: a ratio just under a "≥" target never reads as the target. */
function percentFloor(ratio: number): string {
  return (Math.floor(ratio * 1000) / 10).toFixed(1);
}

/** Where the JSON results and the report live (the source bench/ folder, not dist-bench). */
export const BENCH_DIR = join(__dirname, '..', '..', 'bench');

/** This machine, for the report. */
export function machine(): ModeResult['machine'] {
  const list = cpus();
  return {
    cores: list.length, cpu: list[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
    platform: `${process.platform}-${process.arch}`, loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}

/** Above this share of the machine used by unrelated processes, a scenario's throughput is flagged. */
const DISTURBED_PERCENT = 10;

const fmt = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en-US'));

/** `x / y` as "1.23×". */
const times = (x: number, y: number) => `${(x / y).toFixed(2)}×`;

/** What scenario `a` sends beyond scenario `b` per request, and the floor that puts under `a − b`. */
interface LayerFloor {
  readonly sqlStatements: number;
  /** Of those statements, the durable idempotency records written (counted at their own measured cost). */
  readonly recordWrites: number;
  readonly redisRoundTrips: number;
  /**
   * The verification plus those round trips, at their costs with 10 in flight and one at a time: the
   * lower and the higher of the two sums, ms (10 in flight is usually the cheaper, not always).
   */
  readonly lowMs: number;
  readonly highMs: number;
}

/**
 * Keyed idempotent calls per request of each scenario: each writes one durable record, a statement
 * whose cost the bench measures on its own (`recordWriteMs`). Scenario 4 keys its `placeOrder`;
 * the controls (3, 3b) key nothing.
 */
const RECORD_WRITES: Readonly<Record<string, number>> = { '3b': 0, '3': 0, '4': 1 };

/**
 * The floor under `a − b`: one Ed25519 verification plus the SQL statements and Redis round trips
 * `a` sends beyond `b` (counted in this run), at the round trips' costs measured in this run. The
 * durable idempotency records among those statements count at the record write's own cost, not a
 * primary-key read's (a run without that figure counts them as reads, as older reports did).
 * Undefined when the run lacks a figure (older runs).
 */
export function layerFloor(result: ModeResult, a: string, b: string): LayerFloor | undefined {
  const [p, trips] = [result.primitive, result.roundTrips];
  const [rowA, rowB] = [result.costs?.rows.find((r) => r.scenario === a), result.costs?.rows.find((r) => r.scenario === b)];
  if (!p || !trips || !rowA || !rowB) return undefined;
  const sqlStatements = rowA.sqlStatements - rowB.sqlStatements;
  const redisRoundTrips = (rowA.redisRoundTrips ?? 0) - (rowB.redisRoundTrips ?? 0);
  if (redisRoundTrips > 0 && !trips.redisRoundTripMs) return undefined;
  const recordWrites = trips.recordWriteMs ? Math.max(0, Math.min(sqlStatements, (RECORD_WRITES[a] ?? 0) - (RECORD_WRITES[b] ?? 0))) : 0;
  const at = (pick: 'sequential' | 'concurrent') =>
    Math.round((p.ed25519VerifyMs + (sqlStatements - recordWrites) * trips.sqlStatementMs[pick] + recordWrites * (trips.recordWriteMs?.[pick] ?? 0) +
      redisRoundTrips * (trips.redisRoundTripMs?.[pick] ?? 0)) * 10_000) / 10_000;
  const [concurrent, sequential] = [at('concurrent'), at('sequential')];
  return { sqlStatements, recordWrites, redisRoundTrips, lowMs: Math.min(concurrent, sequential), highMs: Math.max(concurrent, sequential) };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const beyond = (f: LayerFloor) => {
  const statements = f.recordWrites === 0
    ? plural(f.sqlStatements, 'SQL statement', 'SQL statements')
    : `${plural(f.sqlStatements, 'SQL statement', 'SQL statements')} (${f.recordWrites === f.sqlStatements ? '' : `${f.recordWrites} of them `}the idempotency record's write${f.recordWrites > 1 ? 's' : ''}, at its own cost)`;
  return `the verification + ${statements} and ${plural(f.redisRoundTrips, 'Redis round trip', 'Redis round trips')}`;
};

/** The targets of issues 7, 14 and 16, evaluated on one mode's figures. */
export function targets(result: ModeResult): string[] {
  const figures = (id: string) => result.scenarios.find((s) => s.id === id)?.figures;
  const rps = (id: string) => figures(id)?.requestsPerSecond;
  const cpu = (id: string) => figures(id)?.serverCpuMsPerRequest;
  const met = (ok: boolean) => (ok ? 'met' : 'missed');
  const lines: string[] = [];
  const [s3, s3b, s4, s6b] = [rps('3'), rps('3b'), rps('4'), rps('6b')];
  // One decimal: a ratio of 89.8% must not read as "90%, missed".
  if (s3 && s4) lines.push(`Scenario 4 / scenario 3 throughput (cost of the directives): **${percentFloor(s4 / s3)}%** (target ≥ 90%: ${met(s4 / s3 >= 0.9)})`);
  const [c3, c3b, c4] = [cpu('3'), cpu('3b'), cpu('4')];
  if (c3 && c4) lines.push(`Server CPU per request, scenario 4 vs 3: ${c4} vs ${c3} ms (the directives add ${Math.round((c4 / c3 - 1) * 100)}%; throughput at equal CPU would be ${Math.round((c3 / c4) * 100)}%)`);
  if (s3b && s4) lines.push(`Scenario 4 / scenario 3b throughput (cost of the whole security layer, signature included): **${percentFloor(s4 / s3b)}%** (target ≥ 90%: ${met(s4 / s3b >= 0.9)})`);
  const mainThread = (id: string) => figures(id)?.serverMainThreadCpuMsPerRequest;
  const floor4 = layerFloor(result, '4', '3b');
  const base3b = mainThread('3b') ?? c3b;
  if (floor4 && base3b) {
    const [best, worst] = [base3b / (base3b + floor4.lowMs), base3b / (base3b + floor4.highMs)];
    lines.push(`The highest scenario 4 / 3b the layer's floor allows: 3b's ${mainThread('3b') === undefined ? '' : 'main-thread '}CPU per request (${base3b} ms) over itself plus the floor ` +
      `(${beyond(floor4)} that 4 sends beyond 3b: ${floor4.lowMs}–${floor4.highMs} ms, the round trips at their costs 10 in flight and one at a time, the lower first) = **${percentFloor(worst)}–${percentFloor(best)}%**` +
      (best < 0.9 ? ' (90% is out of reach here even at the lower floor)' : ' (90% is within reach of the floor)'));
  }
  const p = result.primitive;
  if (c3 !== undefined && c3b !== undefined && p) {
    const layer = Math.round((c3 - c3b) * 1000) / 1000;
    lines.push(`Signature layer (server CPU per request, scenario 3 − 3b): ${layer} ms = **${times(layer, p.ed25519VerifyMs)}** the Ed25519 verification measured in this run ` +
      `(${p.ed25519VerifyMs} ms; ${times(layer, p.ed25519ImportAndVerifyMs)} its cost with a fresh key import, ${p.ed25519ImportAndVerifyMs} ms) (target ≤ 2×: ${met(layer <= 2 * p.ed25519VerifyMs)}). ` +
      (result.inProcess?.scenarios.some((sc) => sc.id === '3h')
        ? `HMAC-SHA256 (its verification ${p.hmacSignCompareMs} ms): the load's keys are Ed25519; the layer with HMAC keys is measured in one process (3h, below)`
        : `HMAC-SHA256: no scenario signs with it (the bench's keys are Ed25519), so no layer to hold against its ${p.hmacSignCompareMs} ms`));
    const floor3 = layerFloor(result, '3', '3b');
    if (floor3) {
      lines.push(`Floor of the signature layer: ${beyond(floor3)} that 3 sends beyond 3b = ${floor3.lowMs}–${floor3.highMs} ms (the round trips at their costs 10 in flight and one at a time, the lower first) = ` +
        `**${times(floor3.lowMs, p.ed25519VerifyMs)}–${times(floor3.highMs, p.ed25519VerifyMs)}** the verification` +
        (floor3.lowMs > 2 * p.ed25519VerifyMs ? ' (2× is out of reach here even at the lower floor)' : ' (2× is within reach of the floor: the rest of the layer is what exceeds it)'));
    }
    const [m3, m3b, m4] = [mainThread('3'), mainThread('3b'), mainThread('4')];
    if (m3 !== undefined && m3b !== undefined && m4 !== undefined) {
      lines.push(`The same on the servers' main threads alone (what bounds a process's throughput): 3b ${m3b}, 3 ${m3}, 4 ${m4} ms per request; ` +
        `3 − 3b ${Math.round((m3 - m3b) * 1000) / 1000} ms, 4 − 3b ${Math.round((m4 - m3b) * 1000) / 1000} ms (no target)`);
    }
  } else lines.push('Signature layer vs the verification primitive: not measured (scenarios 3 and 3b and the primitive are needed; older runs lack the primitive)');
  if (result.inProcess && p) lines.push(...inProcessTargets(result.inProcess, p.ed25519VerifyMs, p.hmacSignCompareMs));
  const [p50, p99] = [figures('4')?.p50Ms, figures('4')?.p99Ms];
  if (p50 && p99 !== undefined) lines.push(`Scenario 4 p99 / p50: ${p99} / ${p50} ms = **${(p99 / p50).toFixed(2)}** (target ≤ 2.5: ${met(p99 / p50 <= 2.5)})`);
  const row4 = result.costs?.rows.find((row) => row.scenario === '4');
  const trips = row4?.redisRoundTrips;
  if (trips !== undefined) lines.push(`Redis round trips per protected mutation: **${trips}** (target ≤ 2: ${met(trips <= 2)})`);
  else lines.push('Redis round trips per protected mutation: not measured (memory stores: set BENCH_REDIS_URL)');
  if (row4) lines.push(`SQL statements per protected mutation: **${row4.sqlStatements}** (target ≤ 8: ${met(row4.sqlStatements <= 8)})`);
  if (s4 && s6b) lines.push(`Two processes / one process on scenario 4: **${(s6b / s4).toFixed(2)}×** (target ≥ 1.6×: ${met(s6b / s4 >= 1.6)}; ${result.machine.cores} cores)`);
  else lines.push(`Two processes / one process: not measured (${result.scenarios.find((s) => s.id === '6b')?.skipped ?? 'scenario 6 did not run'})`);
  return [...lines, ...matchingTargets(result)];
}

const IN_PROCESS_TITLES: Readonly<Record<string, string>> = {
  '3b': 'control: `placeOrder`, no directives, no signature check',
  '3v': '3b plus one Ed25519 verification of a fixed message per request (the primitive in situ)',
  '3f': '3v plus the round trips 3 sends beyond 3b, with the server\'s own clients (PostgreSQL + Redis: one Redis round trip, one SQL statement; embedded: none): the signature layer\'s floor in situ',
  '3k': '3b running the signed server\'s signature check on 3\'s requests twice, each timed (parse, base, digest, key, verification; no nonce claimed, nothing counted)',
  '3': 'control: `placeOrder`, no directives (signature check on)',
  '3h': '3 with requests signed by HMAC-SHA256 keys of the same accounts',
  '4': '`placeOrder` signed + idempotent + rate-limited',
};

/**
 * The in-process lines of issue 14's targets: each figure is the median over the rounds of the
 * difference (or ratio) between two scenarios measured side by side in the same round, so a drift
 * of the machine between rounds cancels out.
 */
export function inProcessTargets(ip: InProcessResult, verifyMs: number, hmacMs?: number): string[] {
  const rounds = (id: string) => ip.scenarios.find((s) => s.id === id)?.roundsMs;
  const paired = (a: string, b: string, f: (x: number, y: number) => number): number | undefined => {
    const [ra, rb] = [rounds(a), rounds(b)];
    return ra && rb && ra.length === rb.length && ra.length > 0 ? median(ra.map((x, i) => f(x, rb[i]))) : undefined;
  };
  const minus = (a: string, b: string) => { const d = paired(a, b, (x, y) => x - y); return d === undefined ? undefined : round3(d); };
  const how = `no concurrency, the servers taking turns${ip.block ? ` every ${ip.block} requests` : ''}, median of ${ip.rounds} rounds of ${ip.requests} requests`;
  const lines: string[] = [];
  const [layer, floor, verify, whole] = [minus('3', '3b'), minus('3f', '3b'), minus('3v', '3b'), minus('4', '3b')];
  if (layer !== undefined) lines.push(`Signature layer in one process (${how}): 3 − 3b ${layer} ms = **${times(layer, verifyMs)}** the verification (target ≤ 2×: ${layer <= 2 * verifyMs ? 'met' : 'missed'})`);
  const hmacLayer = minus('3h', '3b');
  if (hmacLayer !== undefined && hmacMs !== undefined) {
    lines.push(`Signature layer with HMAC-SHA256 keys in one process, 3h − 3b: ${hmacLayer} ms = **${times(hmacLayer, hmacMs)}** the HMAC verification measured in this run (${hmacMs} ms) (target ≤ 2×: ${hmacLayer <= 2 * hmacMs ? 'met' : 'missed'})` +
      `${layer === undefined ? '' : `; with Ed25519 keys (3 − 3b) it is ${round3(layer - hmacLayer)} ms more`}`);
  }
  if (floor !== undefined) {
    lines.push(`Its floor in one process, 3f − 3b (the bare control doing the verification and the round trips 3 sends beyond 3b, with its own clients): ${floor} ms = **${times(floor, verifyMs)}** the verification` +
      `${verify === undefined ? '' : ` (the verification alone, 3v − 3b: ${verify} ms)`}` +
      (floor > 2 * verifyMs ? ' (2× is out of reach here: the floor alone exceeds it)' : ' (2× is within reach of the floor: the rest of the layer is what exceeds it)'));
  }
  const check = ip.signatureCheck;
  if (check) {
    const [first, again] = [round3(check.firstMs), round3(check.againMs)];
    lines.push(`The signature check inside a request (3k, timed in the server, mean of ${check.requests} requests): ${first} ms = **${times(first, verifyMs)}** the verification as a request runs it; ` +
      `${again} ms = ${times(again, verifyMs)} run again at once on the same request, its code and data just used` +
      `${layer === undefined ? '' : `; the rest of the layer (admission, limits, settling, hooks), 3 − 3b less the first: ${round3(layer - check.firstMs)} ms`} (no target)`);
  }
  const ratio = paired('3b', '4', (x, y) => x / y);
  if (ratio !== undefined && whole !== undefined) lines.push(`Scenario 3b's CPU per request over 4's in one process: **${percentFloor(ratio)}%** (4 − 3b ${whole} ms; the CPU side of 4 / 3b, without the load's concurrency; no target of its own)`);
  return lines;
}

function renderInProcess(ip: InProcessResult | undefined): string {
  if (!ip) return 'Not measured by this (older) run: run `npm run bench` again.';
  return [
    `Server CPU per request (the CPU time of the process they run in, \`process.cpuUsage\`), each scenario's server built in one child process of the bench on this mode's stores and sent ${ip.requests} requests per round ` +
      `one at a time through Fastify's \`inject\`, the scenarios taking turns${ip.block ? ` every ${ip.block} requests` : ''} for ${ip.rounds} rounds (bench/profile/in-process.ts); measured after the load, with none running:`,
    '',
    '| # | server | CPU ms per request, median | rounds |',
    '|---|---|---|---|',
    ...ip.scenarios.map(({ id, roundsMs }) => `| ${id} | ${IN_PROCESS_TITLES[id] ?? id} | ${median(roundsMs).toFixed(3)} | ${roundsMs.map((ms) => ms.toFixed(3)).join(' ')} |`),
  ].join('\n');
}

function renderRoundTrips(r: RoundTripCosts | undefined): string[] {
  if (!r) return [];
  const row = (name: string, cost: RoundTripCost | undefined) => (cost ? [`| ${name} | ${cost.sequential} | ${cost.concurrent} |`] : []);
  return [
    '',
    `One round trip to the stores, CPU time of the bench process per round trip (socket writes and reads included), ${r.iterations} each after as many warm-up ones, ` +
      `one at a time and ${r.inFlight} in flight (as a loaded server's requests overlap); the floors above add them to the verification:`,
    '',
    `| round trip | CPU ms, one at a time | CPU ms, ${r.inFlight} in flight |`,
    '|---|---|---|',
    ...row('SQL: a prepared primary-key `SELECT` through the servers\' driver (embedded: PGlite in process, the database\'s work included)', r.sqlStatementMs),
    ...row('SQL: the idempotency record\'s insert (`save` of @signet/idempotency-postgres) in a transaction that already writes, its marginal cost (embedded: PGlite\'s work for the row, its index entries and its share of the commit included)', r.recordWriteMs),
    ...row('Redis: `EVALSHA` of a one-command script through ioredis', r.redisRoundTripMs),
  ];
}

function renderPrimitive(p: PrimitiveCosts | undefined, roundTrips?: RoundTripCosts): string {
  if (!p) return 'Not measured by this (older) run: run `npm run bench` again.';
  return [
    `CPU time of the bench process per operation, ${p.iterations} operations each (HMAC: ${p.iterations * 10}) after as many warm-up ones, over the ${p.signatureBaseBytes}-byte signature base of a protected \`placeOrder\`, measured before any load:`,
    '',
    '| primitive | CPU ms per operation |',
    '|---|---|',
    `| Ed25519 verify, KeyObject imported once (\`crypto.verify\`) | ${p.ed25519VerifyMs} |`,
    `| Ed25519 verify through \`nodeCrypto.verify\` of @signet/http-message-signatures (its key checks, memoized) | ${p.ed25519ProviderVerifyMs} |`,
    `| Ed25519 verify with a fresh public-key import (\`createPublicKey\` from SPKI DER, then verify) | ${p.ed25519ImportAndVerifyMs} |`,
    `| HMAC-SHA256 of the base + \`timingSafeEqual\` | ${p.hmacSignCompareMs} |`,
    ...renderRoundTrips(roundTrips),
  ].join('\n');
}

function renderPeers(peers: ModeResult['peers']): string {
  if (!peers) return 'Not measured by this (older) run: run `npm run bench` again.';
  if ('skipped' in peers) return `Not measured: ${peers.skipped}.`;
  const bare = (server: string) => peers.rows.find((r) => r.server === server && r.limiter === 'none')?.figures.requestsPerSecond;
  const rows = peers.rows.map((r) => {
    const base = bare(r.server);
    const share = r.limiter === 'none' || !base ? '–' : `${Math.round((r.figures.requestsPerSecond / base) * 100)}%`;
    const acc = r.accuracy ? `${r.accuracy.admittedPerTrial.join(' ')} | ${r.accuracy.sequentialAdmitted}` : '– | –';
    return `| ${r.server} | ${r.limiter} | ${r.store} | ${fmt(r.figures.requestsPerSecond)} | ${share} | ${r.figures.p50Ms} | ${r.figures.p99Ms} | ${fmt(r.figures.errors)} | ${r.figures.serverCpuMsPerRequest ?? '–'} | ${acc} |`;
  });
  const ratios = peerPairs(peers).map(([peer, signet]) => {
    const [pc, sc] = [peer.figures.serverCpuMsPerRequest, signet.figures.serverCpuMsPerRequest];
    const admitted = (r: typeof peer) => {
      if (!r.accuracy) return '?';
      const [low, high] = [Math.min(...r.accuracy.admittedPerTrial), Math.max(...r.accuracy.admittedPerTrial)];
      return low === high ? `${low} in every trial` : `${low}–${high}`;
    };
    return `- Signet / ${peer.limiter} on ${peer.server} (${peer.store} store): throughput **${times(signet.figures.requestsPerSecond, peer.figures.requestsPerSecond)}**` +
      `${pc && sc ? `, server CPU per request (Signet / peer) ${times(sc, pc)}` : ''}; admitted of max ${peers.max} under ${peers.concurrency} concurrent calls: Signet ${admitted(signet)}, ${peer.limiter} ${admitted(peer)}`;
  });
  return [
    `The toy mutation \`ping(n: Int!): Int!\` with a per-caller \`@rateLimit\` (raised: every check runs, none refuses; window 1 s), ${peers.callers} callers in turn (\`x-caller\`), ` +
      'one child process per row, loaded like the scenarios above (same connections, warm-up and interleaved rounds). Accuracy: `pingLimited` (max ' +
      `${peers.max} per minute), ${peers.concurrency} concurrent HTTP calls from one fresh caller, ${peers.trials} trials; "sequential" is ${2 * peers.max} calls one after another (must admit ${peers.max}).`,
    '',
    `| server | limiter | store | requests/s | of the same server without a limiter | p50 ms | p99 ms | errors | server CPU ms/request | admitted per trial (max ${peers.max}) | sequential (of ${2 * peers.max}) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...ratios,
  ].join('\n');
}

function renderMode(r: ModeResult): string {
  const rows = r.scenarios.map((s) => s.figures
    ? `| ${s.id} | ${s.title} | ${s.servers} | ${fmt(s.figures.requestsPerSecond)} | ${s.figures.p50Ms} | ${s.figures.p99Ms} | ${fmt(s.figures.errors)} | ${fmt(s.figures.requests)} | ${s.figures.serverCpuMsPerRequest ?? '–'} | ${s.figures.serverMainThreadCpuMsPerRequest ?? '–'} |`
    : `| ${s.id} | ${s.title} | ${s.servers} | skipped: ${s.skipped} | | | | | | |`);
  const withCpu = r.scenarios.filter((s) => s.figures?.cpu);
  const cpuRows = withCpu.length === 0 ? ['Not measured (needs Linux /proc).'] : [
    '| # | server processes | PostgreSQL | Redis | load generator | other processes | idle |',
    '|---|---|---|---|---|---|---|',
    ...withCpu.map((s) => {
      const c = s.figures?.cpu as NonNullable<LoadFigures['cpu']>;
      return `| ${s.id} | ${c.servers}% | ${c.postgres}% | ${c.redis}% | ${c.loadGenerator}% | ${c.other}% | ${c.idle}% |`;
    }),
  ];
  const disturbed = withCpu.filter((s) => (s.figures?.cpu?.other ?? 0) > DISTURBED_PERCENT);
  if (disturbed.length > 0) {
    cpuRows.push('', `Other processes used more than ${DISTURBED_PERCENT}% of the machine during scenario ${disturbed.map((s) => s.id).join(', ')}: ` +
      'their requests/s are low by about that share; server CPU per request and the counted round trips are the steadier comparison.');
  }
  const errorSamples = r.scenarios.filter((s) => s.figures?.sampleError).map((s) => `- scenario ${s.id}: \`${s.figures?.sampleError?.replace(/`/g, "'")}\``);
  const names = (counts?: Record<string, number>) => (counts ? Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || '–' : 'n/a (memory stores)');
  const cost = !r.costs ? 'Not measured by this (older) run: run `npm run bench` again.' : [
    `Counted, not timed: ${r.costs.requests} requests of each kind sent one at a time through an in-process server on the same stores.`,
    '',
    '| # | request | SQL statements | Redis round trips | Redis commands sent |',
    '|---|---|---|---|---|',
    ...r.costs.rows.map((row) => `| ${row.scenario} | ${r.scenarios.find((s) => s.id === row.scenario)?.title ?? ''} | ${row.sqlStatements} | ${row.redisRoundTrips ?? 'n/a'} | ${names(row.redisCommands)} |`),
    ...r.costs.rows.filter((row) => row.redisExecuted).map((row) => `\nServer side (INFO commandstats delta per request of scenario ${row.scenario}, commands run by the scripts included; other clients of this Redis add noise): ${names(row.redisExecuted)}.`),
  ].join('\n');
  const accuracy = 'results' in r.accuracy
    ? [
      `${r.accuracy.concurrency} concurrent checks on one key with max ${r.accuracy.max}, ${r.accuracy.trials} trials:`,
      '',
      '| implementation | admitted per trial | sequential (of 2 × max) | mean ms | p99 ms |',
      '|---|---|---|---|---|',
      ...r.accuracy.results.map((x) => `| ${x.name} | ${x.admittedPerTrial.join(' ')} | ${x.sequentialAdmitted} | ${x.meanMs} | ${x.p99Ms} |`),
    ].join('\n')
    : `Not measured: ${r.accuracy.skipped}.`;
  return [
    `## ${r.label}: ${r.database} + ${r.redis}`,
    '',
    `${r.date} · ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB · Node ${r.machine.node} · ${r.machine.platform} · load ${r.machine.loadAverage ?? '?'} at start · ` +
      `${r.settings.warmupSeconds} s warm-up + ${r.settings.durationSeconds} s measured per scenario` +
      `${r.settings.rounds ? ` in ${r.settings.rounds} rounds taken in turn with the scenarios it is compared with` : ''}` +
      `${r.settings.turnWarmupSeconds ? ` (each turn after ${r.settings.turnWarmupSeconds} s of unmeasured load)` : ''}, ${r.settings.connectionsPerServer} connections per server process`,
    '',
    '| # | scenario | servers | requests/s | p50 ms | p99 ms | errors | requests | server CPU ms/request | of it, main thread |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(errorSamples.length ? ['', 'First error seen:', ...errorSamples] : []),
    '',
    '### Machine CPU during each measured period (% of all cores)',
    '',
    ...cpuRows,
    '',
    '### Targets',
    '',
    ...targets(r).map((t) => `- ${t}`),
    '',
    '### Matching: crossing flow, the module alone, history',
    '',
    renderMatching(r),
    '',
    '### Round trips per request (SQL and Redis)',
    '',
    cost,
    '',
    '### Rate-limiter accuracy (Signet vs graphql-rate-limit RedisStore)',
    '',
    accuracy,
    '',
    '### Verification primitive (same run)',
    '',
    renderPrimitive(r.primitive, r.roundTrips),
    '',
    '### In one process (same run)',
    '',
    renderInProcess(r.inProcess),
    '',
    '### Peers side by side (same run)',
    '',
    renderPeers(r.peers),
    '',
  ].join('\n');
}

/** Saves `result` and rewrites bench/RESULTS.md from every saved mode. Returns the report path. */
export function writeResults(result: ModeResult): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.label}.json`), JSON.stringify(result, null, 2) + '\n');
  return renderResults();
}

/** Rewrites bench/RESULTS.md from bench/results/*.json and bench/ANALYSIS.md (no measuring). */
export function renderResults(): string {
  const dir = join(BENCH_DIR, 'results');
  const rank = (label: string) => (['embedded', 'services'].indexOf(label) + 3) % 3; // embedded, services, then mixes
  const modes = readdirSync(dir).filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ModeResult)
    .sort((a, b) => rank(a.label) - rank(b.label));
  const analysisPath = join(BENCH_DIR, 'ANALYSIS.md');
  const analysis = existsSync(analysisPath) ? readFileSync(analysisPath, 'utf8') : '';
  const report = [
    '# Benchmark results',
    '',
    '<!-- generated by `npm run bench` (bench/run.ts) from bench/results/*.json and bench/ANALYSIS.md; do not edit -->',
    '',
    'Scenarios: 1 public `serverTime`, unsigned · 2 signed `me { balances }` · 3 control: signed `placeOrder` with no directives',
    '(same HTTP stack with signature verification, nonce and request limits; same resolvers and database) · 3b control with no',
    'directives and no signature check (caller named by a header) · 4 `placeOrder` signed + idempotent (fresh key) + rate-limited',
    '· 5 idempotent replay (same key, fresh signature) · 6a/6b scenarios 2/4 split across two processes sharing PostgreSQL and',
    'Redis · 7 `placeOrder` as 4, crossing: each order fills against a resting one · 7b scenario 7 over two markets in turn.',
    'Errors: non-2xx, a GraphQL `errors` array, a non-empty `userErrors`, socket errors and timeouts. Rate limits are raised (`SIGNET_RATE_LIMITS`)',
    'so every check runs but none refuses; servers log at `warn`; the load generator (autocannon) runs on the same machine.',
    '',
    ...modes.map(renderMode),
    analysis,
  ].join('\n');
  const path = join(BENCH_DIR, 'RESULTS.md');
  writeFileSync(path, report.trimEnd() + '\n');
  return path;
}

// `node dist-bench/bench/report.js` re-renders the report after ANALYSIS.md changes.
if (require.main === module) process.stdout.write(`${renderResults()}\n`);
