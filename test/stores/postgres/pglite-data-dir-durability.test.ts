import fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDataDir } from '../../../src/stores/postgres/pglite-data-dir';

/**
 * `master.key` must never name a key the database on disk does not: PGlite runs PostgreSQL with
 * `fsync=off`, so a rotation's commit may be only in the OS's cache, and an OS crash after the
 * staged key replaced master.key would bring the database back under a key that no longer exists.
 * And the first master.key is on disk before anything is sealed under it.
 */
describe('the embedded data directory flushes what the master key depends on', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'signet-datadir-durable-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const keyFile = () => join(dir, 'master.key');
  const readKey = () => readFileSync(keyFile(), 'utf8').trim();

  test('promoting the staged key flushes the database\'s files first, while master.key is still the old key', () => {
    const flushes: Array<{ path: string; masterKey: string; staged: boolean }> = [];
    const opened = openPgliteDataDir(dir, {
      flushPgdata: (path) => flushes.push({ path, masterKey: readKey(), staged: existsSync(join(dir, 'master.key.next')) }),
    });
    try {
      const oldKey = opened.masterKey!.toString('base64');
      const next = randomBytes(32);
      opened.stageMasterKey(next);
      expect(flushes).toEqual([]);
      opened.promoteStagedMasterKey();
      expect(flushes).toEqual([{ path: opened.pgdataPath, masterKey: oldKey, staged: true }]);
      expect(readKey()).toBe(next.toString('base64'));
    } finally {
      opened.release();
    }
  });

  test('a flush that fails leaves master.key the old key and the staged key for the next open to settle', () => {
    const opened = openPgliteDataDir(dir, { flushPgdata: () => { throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }); } });
    try {
      const oldKey = readKey();
      const next = randomBytes(32);
      opened.stageMasterKey(next);
      expect(() => opened.promoteStagedMasterKey()).toThrow('EIO');
      expect(readKey()).toBe(oldKey);
      expect(opened.stagedMasterKey).toEqual(next);
      expect(readFileSync(join(dir, 'master.key.next'), 'utf8').trim()).toBe(next.toString('base64'));
    } finally {
      opened.release();
    }
  });

  test('the master.key generated with a new database is flushed, then its directory', () => {
    const paths = new Map<number, string>();
    const open = fs.openSync;
    jest.spyOn(fs, 'openSync').mockImplementation((...args: Parameters<typeof fs.openSync>) => {
      const fd = open(...args);
      paths.set(fd, String(args[0]));
      return fd;
    });
    const fsync = fs.fsyncSync;
    const flushed: string[] = [];
    jest.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      fsync(fd);
      flushed.push(paths.get(fd) ?? `fd ${fd}`);
    });
    const opened = openPgliteDataDir(dir);
    opened.release();
    const realDir = fs.realpathSync(dir);
    expect(flushed).toEqual([join(realDir, 'master.key'), realDir]);
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readKey(), 'base64')).toHaveLength(32);
  });
});
