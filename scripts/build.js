// The one build behind `npm run build`, `npm start`, `npm run signet` and the tests' global setup:
// the workspace packages (packages/*/dist) and the server (dist/) with `tsc -b`, which compiles only what changed since dist/.tsbuildinfo, then
// the playground bundle, skipped when its inputs are unchanged, and the dump of a new PGlite database
// (made once per PGlite version). So a CLI call never runs stale code and never waits for a full rebuild.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { buildPlayground } = require('./build-playground');

const ROOT = join(__dirname, '..');

/** Newest modification time under `dir`: files and the directories themselves (an entry removed changes its directory's). */
function newestMtime(dir, skip) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path, skip) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The workspace packages (packages/<name>/ with a tsconfig.json): built by tsc -b before the app. */
function workspacePackages(root = ROOT) {
  const dir = join(root, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'tsconfig.json')))
    .map((entry) => entry.name);
}

/**
 * True when dist/ is what `tsc -b` would build from `root`, by tsc -b's own up-to-date test (no
 * input newer than dist/.tsbuildinfo, no errors recorded in it) without loading TypeScript: that
 * alone costs ~0.5 s, a third of a CLI call. Anything else (no build info, an edited, added or
 * removed file, a changed tsconfig) goes to tsc -b.
 */
function isServerUpToDate(root = ROOT) {
  const buildInfo = join(root, 'dist', '.tsbuildinfo');
  let built;
  try {
    built = statSync(buildInfo).mtimeMs;
  } catch {
    return false;
  }
  // tsconfig.build.json compiles src/ except the browser code (esbuild bundles that), after the
  // workspace packages it references (packages/*/src, each with its own tsconfig.json).
  const sources = [newestMtime(join(root, 'src'), join(root, 'src', 'transport', 'playground', 'browser'))];
  const configs = ['tsconfig.base.json', 'tsconfig.json', 'tsconfig.build.json'].map((name) => statSync(join(root, name)).mtimeMs);
  for (const name of workspacePackages(root)) {
    if (!existsSync(join(root, 'packages', name, 'dist', 'tsconfig.tsbuildinfo'))) return false; // a package never built, or its dist/ removed
    sources.push(newestMtime(join(root, 'packages', name, 'src')));
    configs.push(statSync(join(root, 'packages', name, 'tsconfig.json')).mtimeMs);
  }
  if (Math.max(...sources, ...configs) >= built) return false;
  // A build with errors records them (and files still to check or emit); tsc -b reports them again.
  const info = JSON.parse(readFileSync(buildInfo, 'utf8'));
  return !['semanticDiagnosticsPerFile', 'emitDiagnosticsPerFile', 'affectedFilesPendingEmit', 'changeFileSet', 'errors'].some((key) => key in info);
}

/** Compiles src/ into dist/ incrementally; throws (after tsc printed the errors) when it does not compile. */
function buildServer() {
  if (isServerUpToDate()) return;
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-b', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * The dump of a new PGlite database, which a data directory without one starts from instead of
 * initdb (src/stores/postgres/pglite-new-database.ts): made once per PGlite version, ~3 s.
 */
async function buildNewDatabaseDump() {
  const { newDatabaseDumpPath, writeNewDatabaseDump } = require(join(ROOT, 'dist', 'stores', 'postgres', 'pglite-new-database.js'));
  const path = newDatabaseDumpPath();
  if (!existsSync(path)) await writeNewDatabaseDump(path);
}

/** Brings dist/, dist/playground and the new database's dump up to date with the sources. */
async function build() {
  buildServer();
  await buildPlayground();
  await buildNewDatabaseDump();
}

module.exports = { build, buildServer, isServerUpToDate };

if (require.main === module) {
  // Silent on success: `npm run signet -- … --json` builds first, and its stdout must stay pure JSON.
  build().catch((error) => {
    if (error.status === undefined) console.error(error); // tsc already printed its own errors
    process.exit(1);
  });
}
