/**
 * Profiles the servers of scenarios 2, 3, 3b and 4 (embedded, or PostgreSQL + Redis with the
 * bench's variables) under a fixed number of requests each, so that per-request figures are exact:
 *
 *   npm run build && npx tsc -p tsconfig.bench.json && node dist-bench/bench/profile/profile.js
 *
 * Knobs: PROFILE_DIR (default a temporary directory; one sub-directory per scenario),
 * PROFILE_REQUESTS (per scenario, default 3000), PROFILE_ONLY (e.g. "3,3b"), PROFILE_CPU=0 (no
 * `--cpu-prof`: CPU ms/request only, without the profiler's overhead). Each server is started,
 * sent its requests (10 connections), and stopped, one scenario at a time: their CPU times do not
 * overlap. For each it prints the server CPU per request and, profiled, the text summary of
 * summarize.ts with samples before the first request left out (start-up, migrations, seeding).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openBenchEnv } from '../bench-env';
import type { BenchRequest } from '../load';
import { controlRequests, scenarioRequests } from '../requests';
import { benchServerEnv, startControlServer, startSignetServe, type BenchServer } from '../servers';
import { summarize, type CpuProfile } from './summarize';

const requests = Number(process.env.PROFILE_REQUESTS ?? 3000);
const profiled = process.env.PROFILE_CPU !== '0';
const only = process.env.PROFILE_ONLY ? new Set(process.env.PROFILE_ONLY.split(',')) : null;
const root = process.env.PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'signet-profile-'));

/** Sends exactly `amount` requests built by `next` to `url` over 10 connections. */
function load(url: string, amount: number, next: () => BenchRequest): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({
      url: `${url}/graphql`, connections: 10, amount, timeout: 10,
      requests: [{ method: 'POST', setupRequest: (request) => { const b = next(); return { ...request, method: 'POST', body: b.body, headers: { 'content-type': 'application/json', ...b.headers } }; } }],
    }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** CPU ms by thread name of this process's children (Linux), to see which threads a scenario keeps busy. */
function threadCpu(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]) !== process.pid) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const t = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = t.slice(t.lastIndexOf(') ') + 2).split(' ');
        const ms = (Number(f[11]) + Number(f[12])) * 10;
        if (ms > 50) out.push(`${t.slice(t.indexOf('(') + 1, t.lastIndexOf(')'))}#${tid} ${ms}`);
      }
    } catch {
      // gone
    }
  }
  return out;
}

async function main(): Promise<void> {
  const env = await openBenchEnv();
  try {
    const scenarios: Array<{ id: string; start: () => Promise<{ server: BenchServer; next: () => BenchRequest }> }> = [
      { id: '2', start: async () => { const e = benchServerEnv(env.serverEnv()); const server = await startSignetServe(e); return { server, next: scenarioRequests(await env.credentialsFor(e)).meBalances }; } },
      { id: '3b', start: async () => { const c = await startControlServer(benchServerEnv(env.serverEnv()), 'bare', 2); return { server: c.server, next: controlRequests(c.credentials.map((x) => x.accountId)) }; } },
      { id: '3', start: async () => { const c = await startControlServer(benchServerEnv(env.serverEnv()), 'signed', 2); return { server: c.server, next: scenarioRequests(c.credentials).protectedOrder }; } },
      { id: '4', start: async () => { const e = benchServerEnv(env.serverEnv()); const server = await startSignetServe(e); return { server, next: scenarioRequests(await env.credentialsFor(e)).protectedOrder }; } },
    ];
    for (const scenario of scenarios) {
      if (only && !only.has(scenario.id)) continue;
      const dir = join(root, scenario.id);
      mkdirSync(dir, { recursive: true });
      if (profiled) process.env.BENCH_CPU_PROF = dir;
      else delete process.env.BENCH_CPU_PROF;
      const { server, next } = await scenario.start();
      let cpuMs = NaN;
      let result: autocannon.Result;
      try {
        await load(server.url, Math.min(500, requests), next); // warm-up, inside the profile, counted below
        const before = server.cpuMs();
        result = await load(server.url, requests, next);
        cpuMs = server.cpuMs() - before;
        if (process.env.PROFILE_THREADS === '1') process.stdout.write(`threads: ${threadCpu().join(', ')}\n`);
      } finally {
        await server.stop();
      }
      const errors = result.non2xx + result.errors + result.timeouts;
      process.stdout.write(`\n=== scenario ${scenario.id}: ${requests} requests, ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
        `errors ${errors}, server CPU ${(cpuMs / requests).toFixed(3)} ms/request${profiled ? ' (profiler on)' : ''}\n`);
      if (!profiled) continue;
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile in ${dir}`);
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      process.stdout.write(`${summarize(profile, { top: Number(process.env.PROFILE_TOP ?? 25), requests: requests + Math.min(500, requests), from: 'preHandler' })}\n(profile: ${join(dir, file)})\n`);
    }
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
