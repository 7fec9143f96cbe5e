/**
 * What every workspace package's package.json promises a host that installs its tarball: the
 * libraries whose objects the host and the package must share (graphql's schema classes, the
 * ioredis client the host built) are peers, never private copies; everything needed to run ships
 * (a `prepack` build, so a clean checkout packs dist/) and nothing else does (no source maps or
 * build info); Node as the repository requires it; and each README says which sibling tarballs
 * to install, since the `@signet` scope is not on the npm registry.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGES = join(__dirname, '..', '..', 'packages');
const ROOT = join(PACKAGES, '..');

interface Manifest {
  name: string;
  version: string;
  engines?: Record<string, string>;
  files?: string[];
  scripts?: Record<string, string>;
  exports?: Record<string, { types: string; default: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The folder names of the workspace packages, each with its manifest and its sources' text. */
const packages = readdirSync(PACKAGES).filter((name) => {
  try { return statSync(join(PACKAGES, name, 'package.json')).isFile(); } catch { return false; }
}).sort();
const manifest = (name: string): Manifest => JSON.parse(readFileSync(join(PACKAGES, name, 'package.json'), 'utf8')) as Manifest;

function sources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? readFileSync(path, 'utf8') : '';
  }).join('\n');
}
/** Whether a package's sources import `module` (any kind of import, types included). */
const imports = (name: string, module: string): boolean => new RegExp(`from '${module}'`).test(sources(join(PACKAGES, name, 'src')));

/** Shared with the host: one copy only, the host's. */
const SHARED = ['graphql', 'ioredis'];

test('the workspace has the twelve packages', () => {
  expect(packages).toHaveLength(12);
});

describe.each(packages)('packages/%s/package.json', (name) => {
  const m = manifest(name);

  test.each(SHARED)('%s is a peer wherever it is used, never a dependency', (shared) => {
    expect(m.dependencies?.[shared]).toBeUndefined();
    if (imports(name, shared)) {
      expect(m.peerDependencies?.[shared]).toEqual(expect.any(String));
      expect(m.peerDependenciesMeta?.[shared]?.optional).not.toBe(true);
    }
  });

  test('@graphql-tools/utils is a dependency where used (it maps graphql\'s own objects; only graphql is shared)', () => {
    expect(m.peerDependencies?.['@graphql-tools/utils']).toBeUndefined();
    if (imports(name, '@graphql-tools/utils')) expect(m.dependencies?.['@graphql-tools/utils']).toEqual(expect.any(String));
  });

  test('requires the Node the repository requires', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    expect(m.engines).toEqual({ node: root.engines!.node });
  });

  test('packs its build (prepack) and only JavaScript and declarations, every entry point included', () => {
    expect(m.scripts?.prepack).toBe('tsc -b');
    expect(m.files).toEqual(['dist/**/*.js', 'dist/**/*.d.ts']);
    for (const entry of Object.values(m.exports ?? {})) {
      expect(entry.default).toMatch(/^\.\/dist\/.+\.js$/);
      expect(entry.types).toMatch(/^\.\/dist\/.+\.d\.ts$/);
    }
  });

  test('its README names every sibling tarball an install needs', () => {
    const readme = readFileSync(join(PACKAGES, name, 'README.md'), 'utf8');
    const install = readme.slice(readme.indexOf('## Install'));
    expect(readme).toContain('## Install');
    const needed = [m.name, ...Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith('@signet/'))];
    for (const dependency of needed) {
      const folder = dependency.slice('@signet/'.length);
      expect(install).toContain(`./packages/${folder}`);
      expect(install).toContain(`signet-${folder}-${manifest(folder).version}.tgz`);
    }
  });
});
