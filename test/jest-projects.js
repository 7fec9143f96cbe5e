// Sorts every test file into one Jest project, from what the file (and the test support code it
// imports) does, so a new suite lands in the right project without a list to keep up to date:
//   e2e          needs the global build: under test/e2e/, or runs the built app (`bin/signet.js`, which
//                runs dist/), or tagged `@jest-project e2e` (it reads dist/ some other way)
//   integration  talks to something outside its own heap: PostgreSQL, Redis, PGlite (directly or
//                through the app's runtime), a listening socket, a child process
//   unit         the rest: in-process code only
// A comment `@jest-project <name>` in a test file overrides the rule for cases imports cannot show.
'use strict';
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

/** The projects, in the order `npm test` lists them. */
const PROJECTS = Object.freeze(['unit', 'integration', 'e2e']);

/** Where test files live, relative to the repository root, and how they are named. */
const TEST_ROOTS = Object.freeze(['test', 'packages', 'examples']);
const TEST_FILE = /\.test\.ts$/;
// As jest.config.js's testPathIgnorePatterns.
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);

/** What puts a file (or a support file it imports) in e2e: it runs the built app. */
const E2E_SIGNS = Object.freeze([
  { reason: 'spawns bin/signet.js (runs dist/)', pattern: /['"]signet\.js['"]|bin\/signet\.js/ },
  { reason: 'packs workspace packages (their prepack builds them)', pattern: /['"]npm['"],\s*\[\s*['"]pack['"]/ },
]);

/** What puts a file in integration: a service, a socket or a process outside the test's heap. */
const INTEGRATION_SIGNS = Object.freeze([
  { reason: 'uses PostgreSQL', pattern: /from ['"]pg['"]|TEST_DATABASE_URL|describeWithPostgres/ },
  { reason: 'uses Redis', pattern: /from ['"]ioredis['"]|TEST_REDIS_URL|describeWithRedis|redis-server/ },
  { reason: 'opens PGlite', pattern: /@electric-sql\/pglite|createPgliteDriver/ },
  { reason: 'opens the app\'s runtime (its database)', pattern: /\bopenRuntime\(/ },
  { reason: 'listens on a socket', pattern: /\.listen\(|createServer\(/ },
  { reason: 'starts a child process', pattern: /(?:\bfrom\s+|\brequire\(\s*)['"](?:node:)?child_process['"]/ },
]);

// A comment line (`// @jest-project e2e: why` or ` * @jest-project e2e: why` in a docblock).
const TAG = /^\s*(?:\/\/|\/?\*+)\s*@jest-project\s+([a-z0-9-]+)/m;
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Test files under the roots, as paths relative to `root` with `/` separators, sorted. */
function listTestFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (TEST_FILE.test(entry.name)) {
        found.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  for (const name of TEST_ROOTS) if (existsSync(join(root, name))) walk(join(root, name));
  return found.sort();
}

/** The file a relative import names (`./x` → x.ts, x.js or x/index.ts), or undefined. */
function resolveImport(from, specifier) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Folders of test support code: the walk follows imports into these only. */
const SUPPORT_DIRS = new Set(['test', 'test-kit']);

/**
 * Test support code a file imports, transitively (test/helpers, examples/test-kit, ...). The code
 * under test (src/, scripts/) is not followed: its imports say what it can do, not what this test
 * makes it do (the app imports pg and ioredis everywhere, scripts/build.js runs tsc).
 */
function supportFiles(root, file) {
  const seen = new Set([file]);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.shift();
    for (const match of readFileSync(current, 'utf8').matchAll(IMPORT)) {
      const target = resolveImport(current, match[1]);
      if (!target || seen.has(target) || !target.startsWith(root + sep)) continue;
      if (!relative(root, target).split(sep).some((part) => SUPPORT_DIRS.has(part))) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  seen.delete(file);
  return [...seen];
}

/** The first sign among `signs` that `source` shows, as `reason (in file)`, or undefined. */
function firstSign(signs, sources) {
  for (const { path, text } of sources) {
    const sign = signs.find(({ pattern }) => pattern.test(text));
    if (sign) return `${sign.reason} (${path})`;
  }
  return undefined;
}

/** The project of one test file (relative to `root`) and why. */
function classify(root, file) {
  const absolute = join(root, file);
  const own = readFileSync(absolute, 'utf8');
  const tag = own.match(TAG);
  if (tag) {
    if (!PROJECTS.includes(tag[1])) throw new Error(`${file}: unknown @jest-project ${tag[1]} (one of ${PROJECTS.join(', ')})`);
    return { project: tag[1], reason: `tagged @jest-project ${tag[1]}` };
  }
  if (file.startsWith('test/e2e/')) return { project: 'e2e', reason: 'under test/e2e/' };
  const sources = [{ path: file, text: own }, ...supportFiles(root, absolute).map((path) => ({
    path: relative(root, path).split(sep).join('/'), text: readFileSync(path, 'utf8'),
  }))];
  const e2e = firstSign(E2E_SIGNS, sources);
  if (e2e) return { project: 'e2e', reason: e2e };
  const integration = firstSign(INTEGRATION_SIGNS, sources);
  if (integration) return { project: 'integration', reason: integration };
  return { project: 'unit', reason: 'in-process only' };
}

/** Every test file under `root` with its project and the reason: `{ file, project, reason }[]`, sorted by file. */
function classifyTestFiles(root) {
  return listTestFiles(root).map((file) => ({ file, ...classify(root, file) }));
}

/** The test files of each project: `{ unit: [...], integration: [...], e2e: [...] }` (relative paths). */
function testFilesByProject(root) {
  const byProject = Object.fromEntries(PROJECTS.map((name) => [name, []]));
  for (const { file, project } of classifyTestFiles(root)) byProject[project].push(file);
  return byProject;
}

module.exports = { PROJECTS, classify, classifyTestFiles, listTestFiles, testFilesByProject };

if (require.main === module) {
  // `node test/jest-projects.js`: prints each file's project and why.
  for (const { file, project, reason } of classifyTestFiles(join(__dirname, '..'))) console.log(`${project.padEnd(12)} ${file}  (${reason})`);
}
