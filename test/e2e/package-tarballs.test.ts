/**
 * Every @signet package as an adopter gets it: `npm pack` of all of them (and of what they depend
 * on), an offline `npm install` of the tarballs into projects outside the repository, then what an
 * adopter's tools see. Source map comments name only files the tarball ships, so bundlers and
 * debuggers find no dangling maps. The declarations type-check (strict, skipLibCheck off) in a Node
 * project without the DOM lib (`lib: ["ES2022"]`, `types: ["node"]`: no global `CryptoKey` or
 * `SubtleCrypto` there) and, for the browser-safe entries, in a browser project (DOM lib, no Node
 * types); in both, the host's own CryptoKeys go into the packages and the SDK's keys come back out
 * as the host's CryptoKeys.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { cachedNpmPack } from '../helpers/pack-cache';
import { packAndInstall, REPO_ROOT, tsc, type PackedTarball } from '../helpers/packed-packages';


/** The workspace packages: every folder of packages/ with a package.json, by package name. */
const WORKSPACE_PACKAGES = readdirSync(join(REPO_ROOT, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(REPO_ROOT, 'packages', entry.name, 'package.json')))
  .map((entry) => (JSON.parse(readFileSync(join(REPO_ROOT, 'packages', entry.name, 'package.json'), 'utf8')) as { name: string }).name)
  .sort();

/** The entries a browser bundle may import: no Node built-ins behind them. */
const BROWSER_ENTRIES = ['@signet/http-message-signatures', '@signet/sdk'];

/** Settings every consumer shares: strict, every declaration file checked, nothing emitted. */
const STRICT = { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true };

/** A Node-only project: Node's own module rules, no DOM lib. */
const NODE_TSCONFIG = { compilerOptions: { ...STRICT, module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] } };

/** A browser project: a bundler's module rules, the DOM lib, no Node types. */
const BROWSER_TSCONFIG = { compilerOptions: { ...STRICT, module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] } };

/** Node's WebCrypto keys (node:crypto's `webcrypto.CryptoKey`) through both packages, and the SDK's keys back into it. */
const NODE_KEYS = `import type { webcrypto } from 'node:crypto';
import { webCrypto } from '@signet/http-message-signatures';
import { createSignetClient, importSigningKey, signRequestWebCrypto } from '@signet/sdk';

const data = new Uint8Array([1, 2, 3]);

export async function nodeKeys(): Promise<boolean> {
  const pair = (await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const signature: Uint8Array = await webCrypto.sign('ed25519', { privateKey: pair.privateKey }, data);
  createSignetClient({ url: 'http://127.0.0.1:4000', keyId: 'k', privateKey: pair.privateKey });
  const key: webcrypto.CryptoKey = await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(32) });
  // @ts-expect-error an object that is no CryptoKey is refused
  await signRequestWebCrypto({ method: 'POST', url: 'http://127.0.0.1:4000/graphql', body: '{}', keyId: 'k', alg: 'hmac-sha256', key: { algorithm: { name: 'HMAC' } } });
  await signRequestWebCrypto({ method: 'POST', url: 'http://127.0.0.1:4000/graphql', body: '{}', keyId: 'k', alg: 'hmac-sha256', key });
  await crypto.subtle.sign('HMAC', key, data);
  return webCrypto.verify({ keyId: 'k', algorithm: 'ed25519', publicKey: pair.publicKey }, data, signature);
}
`;

/** The same with the DOM lib's CryptoKey. */
const BROWSER_KEYS = `import { webCrypto } from '@signet/http-message-signatures';
import { createSignetClient, importSigningKey, signRequestWebCrypto } from '@signet/sdk';

const data = new Uint8Array([1, 2, 3]);

export async function browserKeys(): Promise<boolean> {
  const pair = (await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as CryptoKeyPair;
  const signature: Uint8Array = await webCrypto.sign('ed25519', { privateKey: pair.privateKey }, data);
  createSignetClient({ url: 'http://127.0.0.1:4000', keyId: 'k', privateKey: pair.privateKey });
  const key: CryptoKey = await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(32) });
  // @ts-expect-error an object that is no CryptoKey is refused
  await signRequestWebCrypto({ method: 'POST', url: 'http://127.0.0.1:4000/graphql', body: '{}', keyId: 'k', alg: 'hmac-sha256', key: { algorithm: { name: 'HMAC' } } });
  await signRequestWebCrypto({ method: 'POST', url: 'http://127.0.0.1:4000/graphql', body: '{}', keyId: 'k', alg: 'hmac-sha256', key });
  await crypto.subtle.sign('HMAC', key, data);
  return webCrypto.verify({ keyId: 'k', algorithm: 'ed25519', publicKey: pair.publicKey }, data, signature);
}
`;

/** A module importing every one of `specifiers` whole, so each entry's declarations are loaded and checked. */
function importEverything(specifiers: readonly string[]): string {
  const lines = specifiers.map((specifier, i) => `import * as entry${i} from '${specifier}';`);
  return `${lines.join('\n')}\n\nexport const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];\n`;
}

/** The import specifiers of a tarball's public entries: the package name and each `exports` subpath. */
function publicEntries(tarball: PackedTarball): string[] {
  const manifest = tarball.manifest as PackedTarball['manifest'] & { exports?: Record<string, unknown> };
  if (manifest.exports === undefined) return [tarball.name];
  return Object.keys(manifest.exports).map((subpath) => (subpath === '.' ? tarball.name : `${tarball.name}/${subpath.replace(/^\.\//, '')}`));
}

/** Writes a consumer project with `files` into `dir`, a folder of the install (Node resolution finds its node_modules above). */
function writeProject(dir: string, tsconfig: object, files: Record<string, string>): void {
  mkdirSync(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: Object.keys(files) }, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

describe('every @signet package packed and installed outside the repository', () => {
  let work: string;
  let installed: string;
  let tarballs: PackedTarball[];
  let ours: PackedTarball[];

  beforeAll(async () => {
    // @types/node is the Node project's own choice, packed like the rest so nothing is downloaded.
    // Each tarball is what `npm pack` wrote for these very files (kept by pack-cache.ts, whose key
    // is every file under packages/, the lockfile and the tools' versions; test/e2e/sdk-package packs
    // the SDK's closure through the same cache): packed now if this state was never packed.
    ({ work, tarballs, project: installed } = await packAndInstall(WORKSPACE_PACKAGES, 'signet-consumers', ['@types/node'], cachedNpmPack));
    ours = tarballs.filter((t) => t.name.startsWith('@signet/'));
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('every workspace package is packed', () => {
    expect(ours.map((t) => t.name).sort()).toEqual(WORKSPACE_PACKAGES);
  });

  test('every sourceMappingURL in a tarball names a file the tarball ships, and every shipped map its sources', () => {
    const dangling: string[] = [];
    for (const tarball of ours) {
      const shipped = new Set(tarball.files);
      const read = (file: string) => readFileSync(join(installed, 'node_modules', tarball.name, file), 'utf8');
      for (const file of tarball.files.filter((f) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f))) {
        for (const [, url] of read(file).matchAll(/^\/\/# sourceMappingURL=(\S+)\s*$/gm)) {
          if (url.startsWith('data:')) continue;
          const target = posix.join(posix.dirname(file), url);
          if (!shipped.has(target)) dangling.push(`${tarball.name}: ${file} -> ${target} (not in the tarball)`);
        }
      }
      for (const map of tarball.files.filter((f) => f.endsWith('.map'))) {
        const { sources = [], sourcesContent = [], sourceRoot = '' } = JSON.parse(read(map)) as { sources?: string[]; sourcesContent?: Array<string | null>; sourceRoot?: string };
        sources.forEach((source, i) => {
          const target = posix.join(posix.dirname(map), sourceRoot, source);
          if (typeof sourcesContent[i] !== 'string' && !shipped.has(target)) dangling.push(`${tarball.name}: ${map} -> ${target} (source neither shipped nor inlined)`);
        });
      }
    }
    expect(dangling).toEqual([]);
  });

  test('a Node project without the DOM lib type-checks against every public entry (strict, skipLibCheck off)', async () => {
    const project = join(installed, 'node-project');
    writeProject(project, NODE_TSCONFIG, { 'entries.ts': importEverything(ours.flatMap(publicEntries)), 'keys.ts': NODE_KEYS });
    expect(await tsc(project)).toEqual({ code: 0, output: '' });
  }, 120_000);

  test('a browser project (DOM lib, no Node types) type-checks against the browser-safe entries', async () => {
    const project = join(installed, 'browser-project');
    writeProject(project, BROWSER_TSCONFIG, { 'entries.ts': importEverything(BROWSER_ENTRIES), 'keys.ts': BROWSER_KEYS });
    expect(await tsc(project)).toEqual({ code: 0, output: '' });
  }, 120_000);
});
