/**
 * Plain `npx jest` works: PGlite's dynamic imports of Node built-ins would need node's
 * --experimental-vm-modules inside Jest's sandbox, and jest.config.js rewrites them instead
 * (test/builtin-dynamic-import.transformer.js).
 */
import { spawnSync } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';

const root = join(__dirname, '..');
const { rewrite } = require('./builtin-dynamic-import.transformer') as { rewrite(source: string): string };

describe('the built-in dynamic import transform', () => {
  test('turns import() of a Node built-in into a namespace with named exports and default', async () => {
    const code = rewrite('"use strict";exports.load=async()=>{const{gzip:z}=await import("zlib");const fs=await import("node:fs");return [z,fs.default,fs.readFileSync]}');
    expect(code.startsWith('"use strict";')).toBe(true); // still the directive prologue
    const module = { exports: {} as { load(): Promise<unknown[]> } };
    // vm without an importModuleDynamically callback: an import() left in place would throw here.
    runInNewContext(code, { require, exports: module.exports, module, Promise });
    const [gzip, fsDefault, readFileSync] = await module.exports.load();
    expect(gzip).toBe(require('node:zlib').gzip);
    expect(fsDefault).toBe(require('node:fs'));
    expect(readFileSync).toBe(require('node:fs').readFileSync);
  });

  test('works where the module declares its own require (as Emscripten code does)', async () => {
    const code = rewrite('exports.load=async()=>{const{createRequire:c}=await import("module");var require=c(__filename);return require("node:path").sep}');
    const module = { exports: {} as { load(): Promise<string> } };
    runInNewContext(code, { require, exports: module.exports, module, Promise, __filename: __filename });
    await expect(module.exports.load()).resolves.toBe(require('node:path').sep);
  });

  test('leaves packages, relative paths and computed specifiers alone', () => {
    const source = 'a=import("graphql");b=import("./chunk.js");c=import(name);d=important("fs")';
    expect(rewrite(source)).toBe(source);
  });
});

describe('plain jest (no --experimental-vm-modules)', () => {
  test('runs a PGlite suite', () => {
    const { NODE_OPTIONS: _flags, ...env } = process.env;
    const run = spawnSync(process.execPath, [
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--runInBand', 'test/stores/postgres/pglite-idempotency-records.test.ts',
    ], { cwd: root, encoding: 'utf8', timeout: 90_000, env: { ...env, FORCE_COLOR: '0' } });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).not.toMatch(/experimental-vm-modules/);
    expect(output).toMatch(/Test Suites: 1 passed, 1 total/);
    expect(run.status).toBe(0);
  }, 120_000);
});
