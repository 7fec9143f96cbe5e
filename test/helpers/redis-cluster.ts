/**
 * A throwaway three-master Redis Cluster on loopback, for tests: `redis-server` child processes
 * with `--cluster-enabled yes`, slots assigned by `redis-cli --cluster create`, torn down with
 * their temporary directories. Needs the `redis-server` and `redis-cli` binaries (Redis 7).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';

/** Why a cluster cannot be started here, or null when the binaries are on PATH. */
export function redisClusterUnavailableReason(): string | null {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0) return `${bin} is not on PATH`;
  }
  return null;
}

/** A running local cluster. */
export interface LocalRedisCluster {
  /** `host:port` of each master, in start order. */
  readonly nodes: readonly { host: string; port: number }[];
  /** The REDIS_URL form naming it: `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  readonly url: string;
  /** A new ioredis Cluster client (closed by `stop`). */
  connect(): Cluster;
  /** SIGSTOPs the master `nodes[index]`: it keeps its connections and answers nothing, as a hung node does. */
  pause(index: number): void;
  /** SIGCONTs a paused master: it answers again. */
  resume(index: number): void;
  /** Quits every client, kills the servers and removes their directories. */
  stop(): Promise<void>;
}


const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true or `timeoutMs` passes. */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Starts three masters (no replicas) on free loopback ports, each with its cluster bus on
 * another free port (`--cluster-port`, so port + 10000 need not be free), joins them and
 * waits until every node reports `cluster_state:ok`. Kills what it started if any step fails.
 */
export async function startLocalRedisCluster(timeoutMs = 20_000): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-cluster-'));
  const children: ChildProcess[] = [];
  const clients: Array<Redis | Cluster> = [];
  const nodes: { host: string; port: number }[] = [];
  let output = '';
  const stop = async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i += 1) {
      const [port, busPort] = [await freePort(), await freePort()];
      const child = spawn('redis-server', [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d) => (output += d));
      child.stderr?.on('data', (d) => (output += d));
      children.push(child);
      nodes.push({ host: '127.0.0.1', port });
    }
    for (const node of nodes) {
      const probe = new Redis({ ...node, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      clients.push(probe);
      await waitFor(`redis-server on ${node.port}`, timeoutMs, async () => {
        if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
        return (await probe.ping()) === 'PONG';
      });
    }
    await new Promise<void>((resolve, reject) => {
      execFile('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: timeoutMs }, (error, stdout, stderr) => (error ? reject(new Error(`redis-cli --cluster create failed: ${error.message}\n${stdout}${stderr}`)) : resolve()));
    });
    await waitFor('cluster_state:ok on every node', timeoutMs, async () => {
      const infos = await Promise.all(clients.map((probe) => (probe as Redis).cluster('INFO')));
      return infos.every((info) => String(info).includes('cluster_state:ok'));
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.slice(-2000)}`);
  }
  return {
    nodes,
    url: `redis+cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    connect() {
      const cluster = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
      clients.push(cluster);
      return cluster;
    },
    pause: (index) => void children[index].kill('SIGSTOP'),
    resume: (index) => void children[index].kill('SIGCONT'),
    stop,
  };
}
