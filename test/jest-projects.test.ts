/**
 * test/jest-projects.js puts every test file in exactly one Jest project (unit, integration, e2e)
 * from what the file and its test helpers do, and jest.config.js runs each project's files with
 * the global build only where it is needed.
 *
 * @jest-project unit: the fixtures below are strings that name pg, ioredis and child_process; it opens none.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';

type Project = 'unit' | 'integration' | 'e2e';
const { PROJECTS, classify, testFilesByProject } = require('./jest-projects') as {
  PROJECTS: readonly Project[];
  classify(root: string, file: string): { project: Project; reason: string };
  testFilesByProject(root: string): Record<Project, string[]>;
};
interface ProjectConfig { displayName: string; testMatch: string[]; globalSetup?: string }
const config = require('../jest.config') as { projects: ProjectConfig[]; maxWorkers: number; globalSetup?: string };

const root = join(__dirname, '..');

/** Every *.test.ts Jest would find under its roots, listed without jest-projects.js. */
function allTestFiles(): string[] {
  return ['test', 'packages', 'examples']
    .flatMap((dir) => (readdirSync(join(root, dir), { recursive: true }) as string[]).map((path) => `${dir}/${path.split(sep).join('/')}`))
    .filter((path) => path.endsWith('.test.ts') && !/(^|\/)(node_modules|dist)\//.test(path))
    .sort();
}

describe('the jest projects', () => {
  const byProject = testFilesByProject(root);

  test('every test file is in exactly one project of jest.config.js', () => {
    const assigned = config.projects.flatMap((project) => project.testMatch.map((glob) => glob.replace('<rootDir>/', '')));
    expect(PROJECTS).toEqual(['unit', 'integration', 'e2e']);
    expect(config.projects.map((project) => project.displayName)).toEqual(PROJECTS);
    expect(assigned.length).toBe(new Set(assigned).size);
    expect([...assigned].sort()).toEqual(allTestFiles());
    // Globs, yet each names one file: no character in a path may mean a pattern.
    for (const path of assigned) expect(path).toMatch(/^[A-Za-z0-9._/-]+$/);
  });

  test('only e2e runs the global build, and Jest gets one worker per core and one more', () => {
    expect(config.globalSetup).toBeUndefined();
    expect(Object.fromEntries(config.projects.map((project) => [project.displayName, project.globalSetup]))).toEqual({
      unit: undefined, integration: undefined, e2e: '<rootDir>/test/global-setup.js',
    });
    expect(config.maxWorkers).toBe(availableParallelism() + 1);
  });

  test.each([
    ['packages/http-message-signatures/test/rfc9421-vectors.test.ts', 'unit'],
    ['packages/rate-limit/test/window.test.ts', 'unit'],
    ['test/config.test.ts', 'unit'],
    ['test/jest-projects.test.ts', 'unit'],
    ['test/transport/playground/status-line.test.ts', 'unit'],
    ['packages/rate-limit-redis/test/redis-rate-limit-store.test.ts', 'integration'],
    ['test/stores/postgres/postgres-trading-store.test.ts', 'integration'],
    ['test/stores/postgres/pglite-trading-store.test.ts', 'integration'],
    ['test/transport/http/slow-client.test.ts', 'integration'],
    ['examples/notes-apollo/test/notes-apollo.test.ts', 'integration'],
    ['test/schema-lint.test.ts', 'integration'],
    ['test/scripts/build-playground.test.ts', 'integration'],
    ['test/runtime-master-key.test.ts', 'integration'],
    ['test/transport/cli/master-key-command.test.ts', 'integration'],
    ['test/e2e/soak.test.ts', 'e2e'],
    ['test/e2e/sdk-package.test.ts', 'e2e'],
    ['test/stores/redis-cluster.test.ts', 'e2e'],
    ['test/transport/playground/playground-routes.test.ts', 'e2e'],
  ] as const)('%s is %s', (file, project) => {
    expect(byProject[project]).toContain(file);
  });
});

describe('the classification rule', () => {
  let fake: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(fake, path)), { recursive: true });
    writeFileSync(join(fake, path), text);
  };
  beforeAll(() => {
    fake = mkdtempSync(join(tmpdir(), 'signet-jest-projects-'));
    write('test/helpers/spawner.ts', "import { spawn } from 'node:child_process';\nconst BIN = join(__dirname, '..', '..', 'bin', 'signet.js');\n");
    write('test/helpers/deep.ts', "export * from './spawner';\n");
    write('test/helpers/cache.ts', "import Redis from 'ioredis';\n");
    write('src/store.ts', "import { Pool } from 'pg';\n");
    write('src/server.ts', "import { spawn } from 'node:child_process';\nconst BIN = 'bin/signet.js';\n");
  });
  afterAll(() => {
    if (fake) rmSync(fake, { recursive: true, force: true });
  });

  test('a file that spawns signet through a helper, however deep, lands in e2e', () => {
    write('test/stores/spawns.test.ts', "import { spawnSignet } from '../helpers/deep';\n");
    expect(classify(fake, 'test/stores/spawns.test.ts')).toEqual({ project: 'e2e', reason: 'spawns bin/signet.js (runs dist/) (test/helpers/spawner.ts)' });
  });

  test('a file under test/e2e lands in e2e whatever it imports', () => {
    write('test/e2e/plain.test.ts', "test('x', () => {});\n");
    expect(classify(fake, 'test/e2e/plain.test.ts').project).toBe('e2e');
  });

  test('Redis, PostgreSQL, sockets, child processes and the app\'s runtime make an integration suite', () => {
    write('test/a.test.ts', "import { openCache } from './helpers/cache';\n");
    write('test/b.test.ts', "import { Client } from 'pg';\n");
    write('test/c.test.ts', "const url = await app.listen({ port: 0 });\n");
    write('test/d.test.ts', "const { execFileSync } = require('node:child_process');\n");
    write('test/e.test.ts', "const runtime = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dir }), logger);\n");
    expect(['a', 'b', 'c', 'd', 'e'].map((name) => classify(fake, `test/${name}.test.ts`).project)).toEqual(['integration', 'integration', 'integration', 'integration', 'integration']);
  });

  test('what the code under test imports does not count: only the test and its helpers', () => {
    write('test/pure.test.ts', "import { store } from '../src/store';\nimport { server } from '../src/server';\n");
    expect(classify(fake, 'test/pure.test.ts')).toEqual({ project: 'unit', reason: 'in-process only' });
  });

  test('an @jest-project tag overrides the rule, and an unknown one is an error', () => {
    write('test/tagged.test.ts', "// @jest-project e2e: reads dist/\nimport { store } from '../src/store';\n");
    write('test/mistagged.test.ts', '// @jest-project slow\n');
    expect(classify(fake, 'test/tagged.test.ts')).toEqual({ project: 'e2e', reason: 'tagged @jest-project e2e' });
    expect(() => classify(fake, 'test/mistagged.test.ts')).toThrow('unknown @jest-project slow');
  });
});
