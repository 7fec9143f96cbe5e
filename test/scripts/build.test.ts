/**
 * scripts/build.js skips `tsc -b` (and loading TypeScript) only when dist/ is up to date by tsc -b's
 * own test: every kind of source change sends the build to tsc.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const { isServerUpToDate } = require('../../scripts/build') as { isServerUpToDate(root?: string): boolean };

describe('the build\'s up-to-date check (scripts/build.js)', () => {
  let root: string;
  const hourAgo = Date.now() / 1000 - 3600;

  /** Writes `file` under the temporary root, dated `at` (seconds), and its directories with it. */
  function write(file: string, content: string, at = hourAgo) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    for (let p = path; p.startsWith(root); p = dirname(p)) utimesSync(p, at, at);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'signet-build-'));
    write('tsconfig.base.json', '{}');
    write('tsconfig.json', '{}');
    write('tsconfig.build.json', '{}');
    write('src/main.ts', 'export {};');
    write('src/domain/ledger.ts', 'export {};');
    write('src/transport/playground/browser/app.tsx', 'export {};');
    write('packages/limits/tsconfig.json', '{}');
    write('packages/limits/src/index.ts', 'export {};');
    write('packages/limits/dist/tsconfig.tsbuildinfo', '{}', hourAgo + 30);
    write('dist/.tsbuildinfo', '{"root":[1],"version":"5.9.3"}', hourAgo + 60);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('dist/ built after every input is up to date', () => {
    expect(isServerUpToDate(root)).toBe(true);
  });

  test('never built (no dist/.tsbuildinfo) is not', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    expect(isServerUpToDate(root)).toBe(false);
  });

  test('an edited, added or removed source file sends the build to tsc', () => {
    write('src/domain/ledger.ts', 'export const x = 1;', hourAgo + 120);
    expect(isServerUpToDate(root)).toBe(false);
    write('src/domain/ledger.ts', 'export {};');
    expect(isServerUpToDate(root)).toBe(true);
    writeFileSync(join(root, 'src', 'domain', 'orders.ts'), 'export {};');
    expect(isServerUpToDate(root)).toBe(false);
    write('src/domain/orders.ts', 'export {};');
    unlinkSync(join(root, 'src', 'domain', 'orders.ts')); // only the directory's time says so
    expect(isServerUpToDate(root)).toBe(false);
  });

  test('an edited workspace package, or one whose dist/ is gone, sends the build to tsc', () => {
    write('packages/limits/src/index.ts', 'export const z = 3;', hourAgo + 120);
    expect(isServerUpToDate(root)).toBe(false);
    write('packages/limits/src/index.ts', 'export {};');
    expect(isServerUpToDate(root)).toBe(true);
    rmSync(join(root, 'packages', 'limits', 'dist'), { recursive: true });
    expect(isServerUpToDate(root)).toBe(false);
  });

  test('a changed tsconfig sends the build to tsc', () => {
    write('tsconfig.build.json', '{"compilerOptions":{}}', hourAgo + 120);
    expect(isServerUpToDate(root)).toBe(false);
  });

  test('the browser bundle\'s sources are not tsc\'s inputs (esbuild builds them)', () => {
    write('src/transport/playground/browser/app.tsx', 'export const y = 2;', hourAgo + 120);
    utimesSync(join(root, 'src'), hourAgo, hourAgo);
    utimesSync(join(root, 'src', 'transport'), hourAgo, hourAgo);
    utimesSync(join(root, 'src', 'transport', 'playground'), hourAgo, hourAgo);
    expect(isServerUpToDate(root)).toBe(true);
  });

  test('a build that recorded errors is not up to date: tsc -b reports them again and fails', () => {
    write('dist/.tsbuildinfo', '{"root":[1],"semanticDiagnosticsPerFile":[[1,[{"code":2322}]]],"version":"5.9.3"}', hourAgo + 60);
    expect(isServerUpToDate(root)).toBe(false);
  });
});
