/**
 * scripts/build-playground.js never changes the bundle a running server reads: an unchanged
 * build does nothing, a changed one is built beside the served one and swapped in whole, and
 * the previous build's lazily loaded chunks stay reachable for pages that were already open.
 *
 * @jest-project integration: esbuild bundles in a child process of its own (three full builds).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface PlaygroundBuild { dir: string; built: boolean }
const { buildPlayground } = require('../../scripts/build-playground') as {
  buildPlayground(options?: { outDir?: string; minify?: boolean }): Promise<PlaygroundBuild>;
};

describe('the playground build (scripts/build-playground.js)', () => {
  let parent: string;
  let outDir: string;
  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'signet-playground-'));
    outDir = join(parent, 'playground');
    await buildPlayground({ outDir });
  }, 120_000);
  afterAll(() => {
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  test('a build with unchanged inputs leaves the served bundle untouched', async () => {
    const served = realpathSync(outDir);
    const before = statSync(join(outDir, 'app.js'));
    const result = await buildPlayground({ outDir });
    expect(result).toEqual({ dir: outDir, built: false });
    expect(realpathSync(outDir)).toBe(served);
    expect(statSync(join(outDir, 'app.js')).ino).toBe(before.ino);
    expect(statSync(join(outDir, 'app.js')).mtimeMs).toBe(before.mtimeMs);
  }, 60_000);

  test('a rebuild never leaves a moment where the served files are missing', async () => {
    const served = realpathSync(outDir);
    const oldChunks = readdirSync(join(outDir, 'chunks'));
    let reads = 0;
    const missing: string[] = [];
    let building = true;
    // Reads what a server reads per request while the build runs (esbuild works in its own process).
    const poll = (async () => {
      while (building) {
        for (const file of ['index.html', 'app.js', 'app.css', 'editor.worker.js']) {
          try {
            readFileSync(join(outDir, file));
            reads += 1;
          } catch (error) {
            missing.push(`${file}: ${(error as NodeJS.ErrnoException).code}`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // Different options are different inputs: a real rebuild without touching the sources.
    const result = await buildPlayground({ outDir, minify: false }).finally(() => (building = false));
    await poll;
    expect(missing).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    expect(result.built).toBe(true);
    expect(realpathSync(outDir)).not.toBe(served);
    // A page from the previous build still loads its lazy chunks through the new one.
    for (const chunk of oldChunks) expect(existsSync(join(outDir, 'chunks', chunk))).toBe(true);
    expect(existsSync(served)).toBe(true);
  }, 120_000);

  test('the next rebuild removes builds older than the previous one', async () => {
    const previous = realpathSync(outDir);
    const builds = readdirSync(join(parent, '.playground-builds')).map((name) => join(parent, '.playground-builds', name));
    expect(builds).toHaveLength(2);
    const result = await buildPlayground({ outDir });
    expect(result.built).toBe(true);
    const after = readdirSync(join(parent, '.playground-builds')).map((name) => realpathSync(join(parent, '.playground-builds', name)));
    expect(after).toHaveLength(2);
    expect(after).toContain(previous);
    expect(after).toContain(realpathSync(outDir));
  }, 120_000);
});
