import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const FIXTURE = join(__dirname, 'fixtures', 'dependency-rules');

/** One broken rule as dependency-cruiser reports it (JSON output). */
interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** Runs dependency-cruiser with the repository's config on `src/`, `packages/` and `examples/` of `cwd`, as `npm run depcheck` does, plus `extra` options. */
function cruise(cwd: string, ...extra: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [DEPCRUISE, 'src', 'packages', 'examples', '--config', CONFIG, ...extra], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  test('npm run depcheck passes on src/: no import cycles, and every layer imports only what it may', () => {
    const run = spawnSync('npm', ['run', '--silent', 'depcheck'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: expect.stringContaining('no dependency violations found') });
  });

  test('each rule catches its violation in the fixture, and the allowed imports pass', () => {
    const json = cruise(FIXTURE, '--output-type', 'json');
    expect(json.stderr).toBe('');
    const { violations } = (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary;
    // npm packages resolve wherever node_modules is (above the fixture; linked in a worktree): name them from it.
    const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^(.*\/)?node_modules\//, 'node_modules/')}`).sort();
    expect(found).toEqual([
      'directive-idempotent-only-its-core: packages/directive-idempotent/src/directive-violation.ts -> node_modules/pg/lib/index.js',
      'directive-idempotent-only-its-core: packages/directive-idempotent/src/directive-violation.ts -> src/main.ts',
      'directive-rate-limit-only-its-core: packages/directive-rate-limit/src/directive-violation.ts -> node_modules/ioredis/built/index.js',
      'directive-rate-limit-only-its-core: packages/directive-rate-limit/src/directive-violation.ts -> src/main.ts',
      'directive-signed-imports-only-its-core-and-graphql: packages/directive-signed/src/directive-violation.ts -> packages/idempotency/src/index.ts',
      'directive-signed-imports-only-its-core-and-graphql: packages/directive-signed/src/directive-violation.ts -> src/main.ts',
      'directives-not-to-transport-stores-or-main: src/directives/limit/directive-violation.ts -> src/main.ts',
      'directives-not-to-transport-stores-or-main: src/directives/limit/directive-violation.ts -> src/stores/cache/store-allowed.ts',
      'directives-not-to-transport-stores-or-main: src/directives/limit/directive-violation.ts -> src/transport/graphql/context.ts',
      'domain-is-self-contained: src/domain/domain-violation.ts -> src/config.ts',
      'example-servers-use-packages-only: examples/notes-apollo/src/example-violation.ts -> src/main.ts',
      'example-servers-use-packages-only: examples/notes-apollo/src/example-violation.ts -> test/helpers/redis-server.ts',
      'examples-not-to-app: examples/test-kit/src/kit-violation.ts -> src/main.ts',
      'http-message-signatures-main-entry-is-browser-safe: packages/http-message-signatures/src/hms-violation.ts -> crypto',
      'http-message-signatures-no-graphql-no-http-framework: packages/http-message-signatures/src/hms-violation.ts -> node_modules/graphql/index.js',
      'idempotency-no-graphql: packages/idempotency/src/core-violation.ts -> node_modules/graphql/index.js',
      'no-circular: src/cycle/ping.ts -> src/cycle/pong.ts',
      'not-to-unresolvable: src/unresolvable-violation.ts -> ./missing-module',
      'packages-not-to-app: packages/directive-idempotent/src/directive-violation.ts -> src/main.ts',
      'packages-not-to-app: packages/directive-rate-limit/src/directive-violation.ts -> src/main.ts',
      'packages-not-to-app: packages/directive-signed/src/directive-violation.ts -> src/main.ts',
      'packages-not-to-app: packages/sdk/src/sdk-violation.ts -> src/main.ts',
      'rate-limit-no-graphql: packages/rate-limit/src/core-violation.ts -> node_modules/graphql/index.js',
      'sdk-runs-in-browsers: packages/sdk/src/sdk-violation.ts -> crypto',
      'sdk-runs-in-browsers: packages/sdk/src/sdk-violation.ts -> packages/http-message-signatures/src/node/index.ts',
      'sdk-runs-in-browsers: packages/sdk/src/sdk-violation.ts -> src/main.ts',
      'stores-not-to-serving-transports: src/stores/cache/store-violation.ts -> src/transport/http/server.ts',
    ]);
  });

  test('a violation fails the check (non-zero exit), so CI stops', () => {
    const run = cruise(FIXTURE);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('27 dependency violations (27 errors');
  });
});
