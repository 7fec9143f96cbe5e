/**
 * Flushing a directory tree to disk. PGlite runs PostgreSQL with `fsync=off`: its commits are
 * written to its files but reach the disk when the OS writes them back. What must survive an OS
 * crash from a given moment on (a rotation's commit, before `master.key` names its new key) is
 * flushed here, file by file.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';

/** The file system calls fsyncTree makes (`node:fs`; a test passes a recording one). */
export interface FsyncTreeFs {
  readdirSync(path: string, options: { withFileTypes: true }): ReadonlyArray<{ readonly name: string; isFile(): boolean; isDirectory(): boolean }>;
  openSync(path: string, flags: 'r'): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}

function fsyncPath(fs: FsyncTreeFs, path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Flushes every regular file and directory under `root`, and `root` itself, to disk: a
 * directory after everything in it, so the entries it flushes name flushed files. Symbolic links
 * and special files are neither followed nor flushed (a PostgreSQL data directory made by PGlite
 * has none), which also bounds the walk to the tree. Returns how many paths were flushed.
 */
export function fsyncTree(root: string, fs: FsyncTreeFs = nodeFs): number {
  let flushed = 0;
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) flushed += fsyncTree(path, fs);
    else if (entry.isFile()) {
      fsyncPath(fs, path);
      flushed++;
    }
  }
  fsyncPath(fs, root);
  return flushed + 1;
}
