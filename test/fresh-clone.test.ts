/**
 * A fresh clone runs its tests: the committed HEAD is fetched into an empty temporary folder
 * (nothing beside it, so a test reading a sibling folder of the repository or any other path outside it
 * fails there) and the RFC 9421 vectors suite runs in it with the repository's own jest
 * configuration. Only committed files count: uncommitted changes are not in the clone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** HEAD of the checkout this suite runs in, or undefined outside a git work tree (an unpacked tarball). */
function headCommit(): string | undefined {
  try {
    return git(['rev-parse', 'HEAD'], root);
  } catch {
    return undefined;
  }
}

const head = headCommit();
const describeInGit = head === undefined ? describe.skip : describe;

describeInGit(`a fresh clone of HEAD${head === undefined ? ' (skipped: not a git checkout with git on PATH)' : ''}`, () => {
  let parent: string;
  let clone: string;
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'signet-clone-'));
    clone = join(parent, 'signet');
    mkdirSync(clone);
    // Fetch the exact commit (a branch name could point elsewhere); depth 1 keeps it to HEAD's tree.
    git(['init', '--quiet'], clone);
    git(['fetch', '--quiet', '--depth', '1', `file://${realpathSync(root)}`, head as string], clone);
    git(['checkout', '--quiet', 'FETCH_HEAD'], clone);
    // Dependencies are what a clone gets from `npm ci`: the same installed tree.
    symlinkSync(realpathSync(join(root, 'node_modules')), join(clone, 'node_modules'), 'dir');
  }, 30_000);
  afterAll(() => {
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  test('holds the commit under test and nothing beside it', () => {
    expect(git(['rev-parse', 'HEAD'], clone)).toBe(head);
    expect(git(['status', '--porcelain', '--untracked-files=no'], clone)).toBe('');
  });

  test('runs the RFC 9421 vectors suite from files inside the repository only', () => {
    // The clone's own jest.config.js. Its global setup (a cold build of dist/ would cost this test
    // most of its budget) belongs to the e2e project, which has no test in this run, so it stays off.
    const config = require(join(clone, 'jest.config.js')) as Record<string, unknown>;
    const run = spawnSync(process.execPath, [
      join(clone, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--config', JSON.stringify({ ...config, rootDir: clone }),
      '--ci', '--runInBand',
      'packages/http-message-signatures/test/rfc9421-vectors.test.ts',
    ], { cwd: clone, encoding: 'utf8', timeout: 50_000, env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
    const output = `${run.stdout}\n${run.stderr}`;
    // The output first: on failure it shows what the clone's jest printed.
    expect(output).toMatch(/Test Suites: 1 passed, 1 total/);
    expect(output).not.toMatch(/skipped/);
    expect(run.status).toBe(0);
    expect(existsSync(join(clone, 'dist'))).toBe(false); // no global build for a unit suite
  }, 60_000);
});
