// @jest-project e2e: the openers are child processes running the built dist/stores/postgres/pglite-data-dir.js
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE = join(__dirname, '..', '..', '..', 'dist', 'stores', 'postgres', 'pglite-data-dir.js');

/**
 * One opener: waits for the shared start instant, opens the directory, prints ACQUIRED or
 * REFUSED, and holds what it got for `holdMs` (so a later opener finds a live holder).
 */
const OPENER = `
const { openPgliteDataDir } = require(process.argv[1]);
const [dir, at, holdMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
while (Date.now() < at) {}
try {
  const held = openPgliteDataDir(dir);
  console.log('ACQUIRED');
  setTimeout(() => held.release(), holdMs);
} catch (error) {
  console.log('REFUSED ' + error.message);
}
`;

/** Starts `count` openers of `dir` at the same instant; resolves what each printed. */
function raceOpeners(dir: string, count: number): Promise<string[]> {
  const at = Date.now() + 1_500;
  return Promise.all(Array.from({ length: count }, () => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', OPENER, MODULE, dir, String(at), '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', () => resolve(out.trim()));
  })));
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
