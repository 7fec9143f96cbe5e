import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports';
import { TEST_DATABASE_URL } from './services';

/** The pgbouncer binary on PATH (or in the sbin folders Debian installs it to), or undefined. */
export const PGBOUNCER = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean).map((dir) => join(dir, 'pgbouncer')).find((file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

/** `describe` for a suite that runs through a real PgBouncer in front of the test PostgreSQL; skipped, with the reason, without either. */
export function describeWithPgBouncer(name: string, fn: (url: string) => void): void {
  if (!TEST_DATABASE_URL) describe.skip(`${name} (skipped: TEST_DATABASE_URL is not set)`, () => fn(''));
  else if (!PGBOUNCER) describe.skip(`${name} (skipped: pgbouncer is not installed)`, () => fn(''));
  else describe(name, () => fn(TEST_DATABASE_URL as string));
}

/** A PgBouncer on 127.0.0.1 (ephemeral port) in front of the server of `serverUrl`. */
export interface PgBouncer {
  /** A URL through PgBouncer to the pooled database `alias` (as `user` of the server URL; PgBouncer logs in as that user). */
  url(alias: string): string;
  /** Stops it (SIGTERM, then SIGKILL after 2 s) and removes its folder. */
  close(): Promise<void>;
}

/** What PgBouncer pools: each alias is a database on the server, in a pool mode of its own. */
export interface PgBouncerOptions {
  readonly databases: Record<string, { readonly dbname: string; readonly poolMode: 'session' | 'transaction' }>;
  /** PgBouncer's ignore_startup_parameters (none by default: what it refuses, it refuses). */
  readonly ignoreStartupParameters?: readonly string[];
}

/**
 * Starts PgBouncer from a config written to a folder of its own, with `auth_type = any` (each
 * database logs in as the server URL's user, with its password). PgBouncer refuses to run as
 * root, so as root it runs as nobody (setpriv execs it: the child is PgBouncer itself).
 */
export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'signet-pgbouncer-'));
  chmodSync(dir, 0o755);
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const databases = Object.entries(options.databases).map(([alias, db]) =>
    `${alias} = host=${server.hostname.replace(/^\[|\]$/g, '')} port=${server.port || 5432} dbname=${db.dbname} user=${quote(user)}${password ? ` password=${quote(password)}` : ''} pool_mode=${db.poolMode}`);
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(ini, [
    '[databases]', ...databases, '',
    '[pgbouncer]', 'listen_addr = 127.0.0.1', `listen_port = ${port}`, 'unix_socket_dir =', 'auth_type = any',
    `ignore_startup_parameters = ${(options.ignoreStartupParameters ?? []).join(',')}`,
    'default_pool_size = 8', 'max_client_conn = 100', 'logfile =', 'pidfile =', '',
  ].join('\n'), { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = asRoot
    ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', PGBOUNCER as string, ini], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(PGBOUNCER as string, [ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening(port, exited, () => stderr);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: (alias) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${alias}`,
    close,
  };
}

/** Resolves once 127.0.0.1:`port` accepts a connection; rejects if PgBouncer exits first or after 10 s. */
async function listening(port: number, exited: Promise<void>, log: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => { gone = true; });
  const deadline = Date.now() + 10_000;
  while (!gone && Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pgbouncer did not start listening on 127.0.0.1:${port}${gone ? ' (it exited)' : ''}: ${log().trim()}`);
}
