// @jest-project e2e: the openers are child processes running the built dist/stores/postgres/pglite-data-dir.js
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const MODULE = join(__dirname, '..', '..', '..', 'dist', 'stores', 'postgres', 'pglite-data-dir.js');

/**
 * One opener: loads the module, prints READY and waits for a line on stdin; then opens the
 * directory, prints ACQUIRED or REFUSED, and holds what it got until stdin closes (so no opener,
 * however late, finds the lock released by another).
 */
const OPENER = `
const { openPgliteDataDir } = require(process.argv[1]);
const dir = process.argv[2];
let held;
process.stdin.setEncoding('utf8');
process.stdin.once('data', () => {
  try {
    held = openPgliteDataDir(dir);
    console.log('ACQUIRED');
  } catch (error) {
    console.log('REFUSED ' + error.message);
  }
});
process.stdin.on('end', () => held?.release());
console.log('READY');
`;

/** A line-by-line view of a child's stdout: resolves each line as it arrives. */
function lines(child: ChildProcessByStdio<Writable, Readable, null>): () => Promise<string> {
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      const reader = waiting.shift();
      if (reader) reader(line);
      else queue.push(line);
    }
  });
  child.once('exit', (code) => {
    for (const reader of waiting.splice(0)) reader(`EXITED ${code}`);
  });
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

/**
 * Starts `count` openers of `dir` and, once every one is ready, tells them all to open at once;
 * resolves what each printed once each has opened or been refused, and then lets them release and exit.
 */
async function raceOpeners(dir: string, count: number): Promise<string[]> {
  const openers = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['-e', OPENER, MODULE, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    return { child, next: lines(child), exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
  });
  try {
    const ready = await Promise.all(openers.map((o) => o.next()));
    if (ready.some((line) => line !== 'READY')) throw new Error(`an opener did not start: ${ready.join(' | ')}`);
    for (const { child } of openers) child.stdin.write('go\n');
    return await Promise.all(openers.map((o) => o.next()));
  } finally {
    for (const { child } of openers) child.stdin.end();
    await Promise.all(openers.map((o) => o.exited));
  }
}

/** A pid no process has: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('the embedded data directory lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'signet-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('of several openers racing on a stale lock (its process died), exactly one takes it over', async () => {
    for (let round = 0; round < 4; round++) {
      writeFileSync(join(dir, 'signet.lock'), String(deadPid()));
      const results = await raceOpeners(dir, 6);
      const acquired = results.filter((r) => r === 'ACQUIRED');
      expect({ round, acquired: acquired.length }).toEqual({ round, acquired: 1 });
      for (const r of results.filter((r) => r !== 'ACQUIRED')) expect(r).toMatch(/^REFUSED The data directory .* is in use by process \d+/);
      // The winner released it; nothing of the takeover is left behind.
      expect(readdirSync(dir).filter((name) => name.startsWith('signet.lock'))).toEqual([]);
    }
  }, 60_000);

  test('of several openers racing on a free directory, exactly one opens it', async () => {
    const results = await raceOpeners(dir, 6);
    expect(results.filter((r) => r === 'ACQUIRED')).toHaveLength(1);
    expect(existsSync(join(dir, 'signet.lock'))).toBe(false);
  }, 30_000);
});
