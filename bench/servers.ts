/**
 * Server processes for the bench: the production `signet serve` (from dist-bench, the same
 * sources `npm run build` compiles) and the directive-free control server. Each runs in its own
 * process so the load generator never shares an event loop with the server it measures.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { mainThreadCpuMs, processCpuMs } from './cpu';
import { BENCH_AUTHORITY, type BenchCredential } from './requests';
import { fieldLimitOverrides } from '../src/transport/http/request-limits';

/** A running server process. */
export interface BenchServer {
  readonly url: string;
  /** What it printed (bounded). */
  output(): string;
  /** CPU time (user + system) the process has used, ms; NaN where /proc is unavailable. */
  cpuMs(): number;
  /** CPU time of its main (JavaScript) thread alone, ms; NaN where /proc is unavailable. */
  mainThreadCpuMs(): number;
  /** SIGTERM and wait for exit (the CPU profile, when asked for, is written then). */
  stop(): Promise<void>;
}

const DIST = join(__dirname, '..');

/**
 * Limits raised out of the way for the bench: the figures measure the cost of the checks, not
 * their refusals. Every check still runs (the directive and both request layers count each call).
 */
export const BENCH_RATE_LIMITS = Object.fromEntries(
  ['Mutation.placeOrder', 'Query.me', 'Query.serverTime', 'Request.ip', 'Request.account', 'Request.keyExits'].map((name) => [name, { max: 100_000_000, window: '1m' }]),
);

/** BENCH_RATE_LIMITS' field overrides, what the @rateLimit directive takes (the Request.* keys are the request layers'). */
export const BENCH_FIELD_RATE_LIMITS = fieldLimitOverrides(BENCH_RATE_LIMITS);

/**
 * The bench's accounts keep tens of thousands of orders resting (scenarios 3b, 3 and 4 place one
 * resting order per request), far past the default open-order limit of 500 per account and
 * market: its services and servers run without one (`SIGNET_MAX_OPEN_ORDERS=unlimited`), so a
 * resting placement does not count the account's live orders (with a limit it counts at most that
 * many, which a bot with a few open orders does not notice).
 */
export const BENCH_MAX_OPEN_ORDERS = 'unlimited';

/** The environment every bench server gets, on top of the mode's database and Redis settings. */
export function benchServerEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SIGNET_PUBLIC_AUTHORITY: BENCH_AUTHORITY,
    SIGNET_RATE_LIMITS: JSON.stringify(BENCH_RATE_LIMITS), SIGNET_MAX_OPEN_ORDERS: BENCH_MAX_OPEN_ORDERS, ...extra,
  };
}

/** A free loopback port chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Node flags: `--cpu-prof` into BENCH_CPU_PROF when set (see the README's Benchmarks section),
 * and BENCH_SERVER_NODE_FLAGS (space-separated, for experiments: e.g. V8 flags).
 */
function nodeFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  const extra = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((flag) => flag.length > 0);
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...extra];
}

async function start(script: string, args: string[], env: Record<string, string>, ready: (output: string, url: string) => Promise<string | null>): Promise<BenchServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...nodeFlags(), script, ...args], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Always drain the pipes (a full pipe would block the server); keep only the tail.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  let found: string | null = null;
  while (!found) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start in 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = await ready(output, url).catch(() => null);
  }
  const serverUrl = found;
  return {
    url: serverUrl,
    output: () => output,
    cpuMs: () => processCpuMs(child.pid),
    mainThreadCpuMs: () => mainThreadCpuMs(child.pid),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts `signet serve` (production composition) and waits until /healthz answers. */
export function startSignetServe(env: Record<string, string>): Promise<BenchServer> {
  return start(join(DIST, 'src', 'main.js'), ['serve'], env, async (_output, url) => ((await fetch(`${url}/healthz`)).ok ? url : null));
}

/** Starts a control server (`signed` or `bare`, see control-server.ts); resolves with it and the credentials it seeded. */
export async function startControlServer(env: Record<string, string>, variant: 'signed' | 'bare', accounts: number): Promise<{ server: BenchServer; credentials: BenchCredential[] }> {
  let credentials: BenchCredential[] = [];
  const server = await start(join(DIST, 'bench', 'control-server.js'), [], { ...env, BENCH_CONTROL: variant, BENCH_ACCOUNTS: String(accounts) }, async (output) => {
    const line = /BENCH_READY (\{.*\})/.exec(output);
    if (!line) return null;
    const ready = JSON.parse(line[1]) as { url: string; credentials: BenchCredential[] };
    credentials = ready.credentials;
    return ready.url;
  });
  return { server, credentials };
}

/** Starts one peer server (see peer-server.ts) for the side by side; resolves once it prints its URL. */
export function startPeerServer(peer: string, run: string, redisUrl: string | undefined): Promise<BenchServer> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', BENCH_PEER: peer, BENCH_PEER_RUN: run, ...(redisUrl ? { BENCH_REDIS_URL: redisUrl } : {}) };
  return start(join(DIST, 'bench', 'peer-server.js'), [], env, async (output) => {
    const line = /BENCH_READY (\{.*\})/.exec(output);
    return line ? (JSON.parse(line[1]) as { url: string }).url : null;
  });
}
