/**
 * Bench results: one JSON file per mode under bench/results/, and bench/RESULTS.md rendered from
 * all of them (so running one mode refreshes its section and keeps the other's latest figures),
 * followed by the hand-written analysis in bench/ANALYSIS.md.
 */
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RateLimitBenchResult } from './rate-limit-accuracy';
import type { LoadFigures } from './load';
import type { RedisCost } from './redis-cost';

/** One scenario's outcome: figures, or why it did not run. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** Server processes the load was split across. */
  readonly servers: number;
  readonly figures?: LoadFigures;
  readonly skipped?: string;
}

/** Everything one `npm run bench` measured in one mode. */
export interface ModeResult {
  readonly label: string;
  readonly database: string;
  readonly redis: string;
  readonly date: string;
  readonly machine: { cores: number; cpu: string; memoryGiB: number; node: string; platform: string };
  readonly settings: { durationSeconds: number; warmupSeconds: number; connectionsPerServer: number };
  readonly scenarios: readonly ScenarioResult[];
  readonly redisCost: RedisCost | { skipped: string };
  readonly accuracy: RateLimitBenchResult | { skipped: string };
}

/** Where the JSON results and the report live (the source bench/ folder, not dist-bench). */
export const BENCH_DIR = join(__dirname, '..', '..', 'bench');

/** This machine, for the report. */
export function machine(): ModeResult['machine'] {
  const list = cpus();
  return { cores: list.length, cpu: list[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

const fmt = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en-US'));

/** The targets of issue 7, evaluated on one mode's figures. */
export function targets(result: ModeResult): string[] {
  const rps = (id: string) => result.scenarios.find((s) => s.id === id)?.figures?.requestsPerSecond;
  const lines: string[] = [];
  const [s3, s4, s6b] = [rps('3'), rps('4'), rps('6b')];
  if (s3 && s4) lines.push(`Scenario 4 / scenario 3 throughput: **${Math.round((s4 / s3) * 100)}%** (target ≥ 90%: ${s4 / s3 >= 0.9 ? 'met' : 'missed'})`);
  if ('roundTrips' in result.redisCost) {
    lines.push(`Redis round trips per protected mutation: **${result.redisCost.roundTrips}** (target ≤ 2: ${result.redisCost.roundTrips <= 2 ? 'met' : 'missed'})`);
  } else lines.push(`Redis round trips per protected mutation: not measured (${result.redisCost.skipped})`);
  if (s4 && s6b) lines.push(`Two processes / one process on scenario 4: **${(s6b / s4).toFixed(2)}×** (target ≥ 1.6×: ${s6b / s4 >= 1.6 ? 'met' : 'missed'}; ${result.machine.cores} cores)`);
  else lines.push(`Two processes / one process: not measured (${result.scenarios.find((s) => s.id === '6b')?.skipped ?? 'scenario 6 did not run'})`);
  return lines;
}

function renderMode(r: ModeResult): string {
  const rows = r.scenarios.map((s) => s.figures
    ? `| ${s.id} | ${s.title} | ${s.servers} | ${fmt(s.figures.requestsPerSecond)} | ${s.figures.p50Ms} | ${s.figures.p99Ms} | ${fmt(s.figures.errors)} | ${fmt(s.figures.requests)} |`
    : `| ${s.id} | ${s.title} | ${s.servers} | skipped: ${s.skipped} | | | | |`);
  const errorSamples = r.scenarios.filter((s) => s.figures?.sampleError).map((s) => `- scenario ${s.id}: \`${s.figures?.sampleError?.replace(/`/g, "'")}\``);
  const cost = 'roundTrips' in r.redisCost
    ? [
      `${r.redisCost.mutations} protected \`placeOrder\` requests (scenario 4's request), sent one at a time:`,
      '',
      '| per mutation | commands by name |',
      '|---|---|',
      `| sent by the server's connection (counting wrapper) | ${Object.entries(r.redisCost.clientCommands).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
      `| INFO commandstats delta (server side; includes other clients of this Redis) | ${Object.entries(r.redisCost.serverCommands).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
      `| sequential round trips (idle→busy transitions of the connection) | **${r.redisCost.roundTrips}** |`,
    ].join('\n')
    : `Not measured: ${r.redisCost.skipped}.`;
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
    `${r.date} · ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB · Node ${r.machine.node} · ${r.machine.platform} · ` +
      `${r.settings.warmupSeconds} s warm-up + ${r.settings.durationSeconds} s measured per scenario, ${r.settings.connectionsPerServer} connections per server process`,
    '',
    '| # | scenario | servers | requests/s | p50 ms | p99 ms | errors | requests |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(errorSamples.length ? ['', 'First error seen:', ...errorSamples] : []),
    '',
    '### Targets',
    '',
    ...targets(r).map((t) => `- ${t}`),
    '',
    '### Redis cost of a protected mutation',
    '',
    cost,
    '',
    '### Rate-limiter accuracy (Signet vs graphql-rate-limit RedisStore)',
    '',
    accuracy,
    '',
  ].join('\n');
}

/** Saves `result` and rewrites bench/RESULTS.md from every saved mode. Returns the report path. */
export function writeResults(result: ModeResult): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.label}.json`), JSON.stringify(result, null, 2) + '\n');
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
    'Scenarios: 1 public `serverTime`, unsigned · 2 signed `me { balances }` · 3 control: `placeOrder` with no directives',
    '(same HTTP stack, resolvers and database; caller trusted from a header) · 4 `placeOrder` signed + idempotent (fresh key) +',
    'rate-limited · 5 idempotent replay (same key, fresh signature) · 6a/6b scenarios 2/4 split across two processes sharing',
    'PostgreSQL and Redis. Errors: non-2xx, a GraphQL `errors` array, socket errors and timeouts. Rate limits are raised',
    '(`SIGNET_RATE_LIMITS`) so every check runs but none refuses; servers log at `warn`.',
    '',
    ...modes.map(renderMode),
    analysis,
  ].join('\n');
  const path = join(BENCH_DIR, 'RESULTS.md');
  writeFileSync(path, report.trimEnd() + '\n');
  return path;
}
