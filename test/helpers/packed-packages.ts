/**
 * Packs a workspace package as `npm pack` publishes it, together with everything an install of it
 * needs: the `@signet/*` packages it depends on (from packages/, their `prepack` builds them) and
 * every other dependency packed from the repository's own node_modules. `npm install --offline`
 * of the tarballs then downloads nothing, so a test can install the package outside the repository.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** The fields of a package.json this helper reads. */
export interface PackageManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** One tarball `npm pack` wrote. */
export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** Paths inside the tarball, relative to its package root. */
  readonly files: readonly string[];
  /** The package.json the tarball carries. */
  readonly manifest: PackageManifest;
  /**
   * Set when another version of this package was packed first (it is installed at the top): the
   * package whose dependency needs this version, nested under it (see {@link installTarballs}).
   */
  readonly nestedUnder?: string;
}

/**
 * An `npm` run with no registry to reach: a stray download fails instead of succeeding slowly. It
 * reads no user configuration (HOME and the user npmrc point into `cache`, a temporary folder).
 */
export async function npm(args: string[], cwd: string, cache: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--offline', '--cache', cache, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd, env: { PATH: process.env.PATH ?? '', HOME: cache, npm_config_userconfig: join(cache, '.npmrc') }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000,
  });
  return stdout;
}

/** The repository's own node_modules (a worktree may link it from elsewhere), the last folder packageDir looks in. */
const REPO_MODULES = realpathSync(join(REPO_ROOT, 'node_modules'));

/**
 * The folder of `name` as Node would find it from `fromDir` (walking up node_modules folders), but
 * never above the repository: a package only a parent folder has is reported missing, not packed.
 */
function packageDir(name: string, fromDir: string): string {
  for (let dir = realpathSync(fromDir); ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    const candidate = join(modules, name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const last = (existsSync(modules) && realpathSync(modules) === REPO_MODULES) || dirname(dir) === dir;
    if (last) throw new Error(`${name} is not installed in the repository (needed from ${fromDir})`);
  }
}

/** What an install of `manifest` pulls in: its dependencies and its required peers. */
function needs(manifest: PackageManifest): string[] {
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((p) => manifest.peerDependenciesMeta?.[p]?.optional !== true);
  return [...Object.keys(manifest.dependencies ?? {}), ...peers];
}

/** What `npm pack --json` reports of one package: the tarball's file name (in the destination) and the paths it holds. */
export interface PackReport {
  readonly filename: string;
  readonly files: ReadonlyArray<{ path: string }>;
}

/**
 * Packs the package in `dir` into `destination` (`ours`: a workspace package, whose lifecycle scripts
 * run) and reports what it wrote. {@link npmPack} by default; test/helpers/pack-cache.ts has one that
 * keeps the tarballs for the next pack of the same files.
 */
export type Packer = (dir: string, ours: boolean, destination: string, cache: string) => Promise<PackReport>;

/** `npm pack` of `dir` into `destination`: workspace packages run their lifecycle scripts, others are packed as installed. */
export const npmPack: Packer = async (dir, ours, destination, cache) => {
  const args = ['pack', dir, '--pack-destination', destination, '--json', ...(ours ? [] : ['--ignore-scripts'])];
  const output = await npm(args, REPO_ROOT, cache);
  // A `prepack` script's own output comes first on stdout; the JSON report is the last thing printed.
  const [result] = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { filename: result.filename, files: result.files.map(({ path }) => ({ path })) };
};

/**
 * Packs `packageName` (a workspace package, or several) and its dependency closure into `destination`,
 * plus `extra` packages from node_modules (e.g. `@types/node` for a client project). Workspace packages
 * run their lifecycle scripts (`prepack` builds them); third-party packages are packed as installed,
 * each version the closure holds (ioredis pins a cluster-key-slot older than @signet/redis-scripts').
 * `pack` packs one folder (`npm pack` unless given).
 */
export async function packWithDependencies(packageName: string | readonly string[], destination: string, cache: string, extra: readonly string[] = [], pack: Packer = npmPack): Promise<PackedTarball[]> {
  const packed = new Map<string, PackedTarball>();
  const firstVersion = new Map<string, string>();
  const queue: Array<{ name: string; from: string; parent?: string }> = [packageName, extra].flat().map((name) => ({ name, from: REPO_ROOT }));
  while (queue.length > 0) {
    const { name, from, parent } = queue.shift()!;
    const dir = packageDir(name, from);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
    const key = `${name}@${manifest.version}`;
    if (packed.has(key)) continue;
    const ours = name.startsWith('@signet/');
    const result = await pack(dir, ours, destination, cache);
    if (!firstVersion.has(name)) firstVersion.set(name, manifest.version);
    const nestedUnder = firstVersion.get(name) === manifest.version ? undefined : parent;
    packed.set(key, { name, version: manifest.version, file: join(destination, result.filename), files: result.files.map((f) => f.path), manifest, ...(nestedUnder ? { nestedUnder } : {}) });
    for (const dependency of needs(manifest)) queue.push({ name: dependency, from: dir, parent: name });
  }
  return [...packed.values()];
}

/**
 * `npm install --offline` of `tarballs` into the project in `dir` (its package.json written already):
 * each package's first version at the top, any other version nested under the package that needs it
 * through an `overrides` entry naming its tarball, so nothing is looked up in a registry.
 */
export async function installTarballs(tarballs: readonly PackedTarball[], dir: string, cache: string): Promise<void> {
  const overrides: Record<string, Record<string, string>> = {};
  for (const { name, file, nestedUnder } of tarballs) {
    if (nestedUnder !== undefined) overrides[nestedUnder] = { ...overrides[nestedUnder], [name]: `file:${file}` };
  }
  if (Object.keys(overrides).length > 0) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, overrides }, null, 2));
  }
  await npm(['install', ...tarballs.filter((t) => t.nestedUnder === undefined).map((t) => t.file)], dir, cache);
}

/** What `packAndInstall` made: its work folder (the caller removes it), the tarballs, and the project they are installed in. */
export interface InstalledPackages {
  readonly work: string;
  readonly tarballs: PackedTarball[];
  readonly project: string;
}

/**
 * Packs `packageName` (one or several) with its dependencies and `extra` (a consumer's own choices,
 * e.g. @types/node, packed so nothing is downloaded), and installs them offline into a new project
 * `projectName` in a temporary folder outside the repository. `pack` packs one folder (`npm pack`
 * unless given; see packWithDependencies).
 */
export async function packAndInstall(packageName: string | readonly string[], projectName: string, extra: readonly string[] = [], pack: Packer = npmPack): Promise<InstalledPackages> {
  const work = mkdtempSync(join(tmpdir(), `${projectName}-`));
  if (!relative(REPO_ROOT, work).startsWith('..')) throw new Error(`${work} is inside the repository`);
  const cache = join(work, 'npm-cache');
  const packs = join(work, 'tarballs');
  mkdirSync(packs);
  const tarballs = await packWithDependencies(packageName, packs, cache, extra, pack);
  const project = join(work, projectName);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: projectName, version: '1.0.0', private: true }));
  await installTarballs(tarballs, project, cache);
  return { work, tarballs, project };
}

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The repository's TypeScript on the project in `dir` with `config` (diagnostics name files relative to it). */
export async function tsc(dir: string, config = 'tsconfig.json'): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: dir, timeout: 120_000 });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: failed.stdout ?? String(error) };
  }
}
