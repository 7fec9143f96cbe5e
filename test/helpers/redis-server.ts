import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './ports';


/** A throwaway `redis-server` of the test's own (never the shared one): it may be killed and restarted at will. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** True while the server process runs. */
  running(): boolean;
  /** SIGKILLs the server: clients see connections drop, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port, and waits until it answers: empty, or from the snapshot in `dir` (see startOwnRedis). */
  start(): Promise<void>;
  /** SIGSTOPs the server: it keeps its connections and its data but answers nothing, as a hung Redis does (the kernel still accepts connections). */
  pause(): void;
  /** SIGCONTs a paused server: it reads what was sent meanwhile and answers again. */
  resume(): void;
  /** Kills it for good. */
  close(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port with automatic persistence off, and waits until it
 * answers PING. With `dir`, a snapshot taken there on command (SAVE) is what a restart loads, as a
 * Redis with RDB persistence does after a crash: the data as it was at the snapshot. `args`: more
 * of redis-server's options (`--maxmemory-policy`, `--rename-command`, …).
 */
export async function startOwnRedis(options: { dir?: string; args?: readonly string[] } = {}): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const snapshot = options.dir ? ['--dir', options.dir, '--dbfilename', 'dump.rdb'] : [];
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...snapshot, ...(options.args ?? [])], { stdio: 'ignore' });
    await waitForPing(port, 10_000);
  };
  const kill = async () => {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  const signal = (name: 'SIGSTOP' | 'SIGCONT') => {
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on ${port} is not running`);
    child.kill(name);
  };
  // SIGKILL ends a stopped process too: close() needs no resume first.
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, running: () => child !== null, kill, start, close: kill, pause: () => signal('SIGSTOP'), resume: () => signal('SIGCONT') };
}

/** Sends a raw PING over TCP until `+PONG` comes back (a raw socket: nothing left running after a refused connect). */
async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.setTimeout(500, () => socket.destroy());
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
