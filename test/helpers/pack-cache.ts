/**
 * `npm pack` with a cache, for the suites that pack the workspace packages (test/e2e/package-tarballs
 * and test/e2e/sdk-package): each package is packed once per state of what its tarball is made from,
 * and a later pack of it, in the same suite or the other one, copies the tarball `npm pack` wrote then.
 * Packing the 12 packages and their dependencies is about 30 `npm` runs (each a Node start, and for a
 * workspace package its `prepack` build); both suites packed the SDK's closure again.
 *
 * The cache is a folder of the system's temporary directory named by a hash of everything a tarball
 * is made from: every file under packages/ (sources, configurations, READMEs, manifests and the builds
 * themselves), the root manifest, package-lock.json (which fixes every third-party package in
 * node_modules), tsconfig.base.json, and the versions of Node, npm and TypeScript. Any change to one of
 * them is another folder, so a cached tarball is always what `npm pack` makes of the files as they are.
 * Entries are written whole, then renamed (the report last), so a suite running beside another never
 * reads half of one; anything unreadable is packed again.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { npmPack, REPO_ROOT, type PackReport, type Packer } from './packed-packages';

/** Where the caches live: one folder per state of the inputs. */
const CACHE_ROOT = join(tmpdir(), 'signet-pack-cache');
/** A cache folder not used for this long is removed when another one is made. */
const STALE_MS = 2 * 24 * 60 * 60 * 1000;

/** Every file under `dir` (node_modules folders left out), sorted, as paths relative to the repository. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return entry.isFile() ? [relative(REPO_ROOT, path)] : [];
  }).sort();
}

/** The version in a package.json, or `missing`. */
function versionAt(manifest: string): string {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'none';
  } catch {
    return 'missing';
  }
}

let folder: string | undefined;

/** This state's cache folder (made on first use; stale folders of other states are removed then). */
function cacheFolder(): string {
  if (folder) return folder;
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer) => hash.update(`${label}\0${value.length}\0`).update(value);
  for (const file of filesUnder(join(REPO_ROOT, 'packages'))) add(file, readFileSync(join(REPO_ROOT, file)));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.base.json']) {
    if (existsSync(join(REPO_ROOT, file))) add(file, readFileSync(join(REPO_ROOT, file)));
  }
  add('node', `${process.execPath} ${process.version}`);
  add('npm', versionAt(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'package.json')));
  add('typescript', versionAt(join(REPO_ROOT, 'node_modules', 'typescript', 'package.json')));
  folder = join(CACHE_ROOT, hash.digest('hex').slice(0, 32));
  if (!existsSync(folder)) {
    mkdirSync(folder, { recursive: true });
    for (const other of existsSync(CACHE_ROOT) ? readdirSync(CACHE_ROOT) : []) {
      const path = join(CACHE_ROOT, other);
      try {
        if (path !== folder && Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
      } catch {
        // Another run removed it first.
      }
    }
  }
  return folder;
}

/** Writes `write`'s file beside `target`, then renames it into place. */
function writeWhole(target: string, write: (partial: string) => void): void {
  const partial = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  write(partial);
  renameSync(partial, target);
}

/**
 * {@link Packer} through the cache: a package packed before in this state of the inputs gets the
 * tarball and report `npm pack` gave then; any other is packed with {@link npmPack} and kept.
 */
export const cachedNpmPack: Packer = async (dir, ours, destination, cache) => {
  // A workspace package by its folder in the repository, any other by name and version (its files
  // are those package-lock.json names): another clone of the same state finds the same entries.
  const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
  const what = ours ? `workspace\0${relative(realpathSync(REPO_ROOT), dir)}` : `installed\0${name}@${version}`;
  const entry = join(cacheFolder(), createHash('sha256').update(what).digest('hex').slice(0, 32));
  try {
    const report = JSON.parse(readFileSync(`${entry}.json`, 'utf8')) as PackReport;
    copyFileSync(`${entry}.tgz`, join(destination, report.filename));
    return report;
  } catch {
    // Not packed yet in this state (or removed meanwhile): packed now.
  }
  const report = await npmPack(dir, ours, destination, cache);
  try {
    writeWhole(`${entry}.tgz`, (partial) => copyFileSync(join(destination, report.filename), partial));
    writeWhole(`${entry}.json`, (partial) => writeFileSync(partial, JSON.stringify(report)));
  } catch {
    // A cache that cannot be written only costs the next run this pack again.
  }
  return report;
};
