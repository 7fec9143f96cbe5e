import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'signet.js');

/** A `signet serve` child process on an ephemeral loopback port. */
export interface SignetProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, then waits for exit. */
  kill(): Promise<void>;
}

/** Whole-request limits for test processes (merged into any SIGNET_RATE_LIMITS a test passes). */
export const WIDE_REQUEST_LIMITS = {
  'Request.ip': { max: 1_000_000, window: '1m' }, 'Request.account': { max: 1_000_000, window: '1m' }, 'Request.keyExits': { max: 1_000_000, window: '1m' },
};

/** A master key shared by processes that share a database. */
export const TEST_MASTER_KEY = randomBytes(32).toString('base64');

/** Starts `node bin/signet.js serve` with `env` (PORT=0, HOST=127.0.0.1) and waits until it listens. */
export async function spawnSignet(env: Record<string, string>, timeoutMs = 30_000): Promise<SignetProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    // Test processes share one Redis and one client IP: raise the whole-request layers out of the way.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', SIGNET_RATE_LIMITS: JSON.stringify(WIDE_REQUEST_LIMITS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a process that never listened would otherwise outlive the test run
      reject(new Error(`signet did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const match = /Signet listening: (http:\/\/[^/\s]+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`signet exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** An embedded `signet serve` for one describe block, in a data directory of its own; read its fields inside tests. */
export interface EmbeddedProcess { readonly server: SignetProcess; readonly dataDir: string; readonly credentialsFile: string }

/**
 * Starts an embedded server (a fresh data directory, so the demo is seeded) before the block's
 * tests, with `env` added, and kills it and removes its directory after them.
 */
export function embeddedProcessPerSuite(prefix: string, env: Record<string, string> = {}): EmbeddedProcess {
  let server: SignetProcess | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir, ...env });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the suite\'s server has not started');
    return value;
  };
  return {
    get server() { return started(server); },
    get dataDir() { return started(dataDir); },
    get credentialsFile() { return join(started(dataDir), 'demo-credentials.json'); },
  };
}
