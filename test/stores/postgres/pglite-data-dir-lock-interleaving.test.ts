/**
 * One interleaving of two openers of the embedded data directory, played in one process: opener
 * B holds the takeover guard of a stale lock and reads the lock file gone, because opener A
 * removed it under an earlier guard, and A links its own fresh lock right after B's read (a free
 * lock needs no guard). B must leave the lock alone and be refused by A's. Before, B removed
 * "whatever was there" (A's fresh lock), linked its own, and both opened the directory (the e2e
 * race of 6 openers caught it once in CI: 2 acquired).
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Replaces one read of the lock file when set (the module reads it with readFileSync). */
let lockRead: ((read: () => unknown, path: string) => unknown) | undefined;
jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return {
    ...actual,
    readFileSync: (path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      const read = () => (actual.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
      return typeof path === 'string' && path.endsWith('signet.lock') && lockRead ? lockRead(read, path) : read();
    },
  };
});

// After the mock (jest hoists it anyway): the module reads the lock through it.
import { openPgliteDataDir } from '../../../src/stores/postgres/pglite-data-dir';

/** A pid no process has: one that just exited. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());

describe('the embedded data directory lock, one interleaving of two openers', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'signet-lock-interleaving-'));
  });
  afterEach(() => {
    lockRead = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('under the takeover guard, a lock found gone is left alone: the opener that linked it meanwhile keeps it, this one is refused', () => {
    const lockPath = join(fs.realpathSync(dir), 'signet.lock');
    fs.writeFileSync(lockPath, String(deadPid()));
    const otherOpener = process.ppid; // a live process other than this one
    let reads = 0;
    lockRead = (read, path) => {
      reads += 1;
      if (reads !== 2) return read();
      // The second read is under the guard: the other opener removed the stale lock just before
      // it, and links its own just after it.
      fs.rmSync(path);
      try {
        return read();
      } finally {
        fs.writeFileSync(path, String(otherOpener));
      }
    };
    expect(() => openPgliteDataDir(dir)).toThrow(new RegExp(`is in use by process ${otherOpener}`));
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(String(otherOpener));
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('signet.lock'))).toEqual(['signet.lock']);
  });
});
