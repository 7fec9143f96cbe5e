import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsyncTree, type FsyncTreeFs } from '../../../src/stores/postgres/fsync-tree';

/**
 * PGlite runs PostgreSQL with `fsync=off`: what must outlive an OS crash (a master key rotation's
 * commit) is flushed by fsyncTree, every file and directory of the data directory.
 */
describe('fsyncTree flushes a directory tree to disk', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'signet-fsync-tree-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** node:fs, recording which path each fsync flushed and which descriptors are left open. */
  function recordingFs() {
    const openPaths = new Map<number, string>();
    const flushed: string[] = [];
    const recorded: FsyncTreeFs = {
      readdirSync: (path, options) => fs.readdirSync(path, options),
      openSync(path, flags) {
        const fd = fs.openSync(path, flags);
        openPaths.set(fd, path);
        return fd;
      },
      fsyncSync(fd) {
        fs.fsyncSync(fd);
        flushed.push(openPaths.get(fd)!);
      },
      closeSync(fd) {
        fs.closeSync(fd);
        openPaths.delete(fd);
      },
    };
    return { fs: recorded, flushed, stillOpen: () => [...openPaths.values()] };
  }

  test('every file and directory is flushed once, each directory after what it holds, and every descriptor is closed', () => {
    mkdirSync(join(root, 'base', '5'), { recursive: true });
    mkdirSync(join(root, 'pg_wal', 'archive_status'), { recursive: true });
    for (const file of ['PG_VERSION', 'base/5/16536', 'base/5/16653', 'pg_wal/000000010000000000000001']) writeFileSync(join(root, file), 'x');
    const recorder = recordingFs();

    expect(fsyncTree(root, recorder.fs)).toBe(9);

    const at = (path: string) => recorder.flushed.indexOf(join(root, path));
    expect([...recorder.flushed].sort()).toEqual([
      '', 'PG_VERSION', 'base', 'base/5', 'base/5/16536', 'base/5/16653', 'pg_wal', 'pg_wal/000000010000000000000001', 'pg_wal/archive_status',
    ].map((path) => join(root, path)).sort());
    expect(at('base/5/16536')).toBeLessThan(at('base/5'));
    expect(at('base/5')).toBeLessThan(at('base'));
    expect(at('pg_wal/archive_status')).toBeLessThan(at('pg_wal'));
    expect(recorder.flushed[recorder.flushed.length - 1]).toBe(root);
    expect(recorder.stillOpen()).toEqual([]);
  });

  test('a symbolic link is neither followed nor flushed: the walk stays in the tree', () => {
    const outside = mkdtempSync(join(tmpdir(), 'signet-fsync-tree-outside-'));
    try {
      writeFileSync(join(outside, 'elsewhere'), 'x');
      writeFileSync(join(root, 'file'), 'x');
      symlinkSync(outside, join(root, 'linked-dir'));
      symlinkSync(join(root, 'file'), join(root, 'linked-file'));
      symlinkSync(root, join(root, 'loop'));
      const recorder = recordingFs();
      expect(fsyncTree(root, recorder.fs)).toBe(2);
      expect(recorder.flushed).toEqual([join(root, 'file'), root]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('with node:fs by default, on a real tree', () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'c'), 'x');
    expect(fsyncTree(root)).toBe(4);
  });
});
