// Bundles the browser playground (src/transport/playground/browser) with esbuild into
// dist/playground/: the app (ES modules, code-split so Monaco and prettier load after first paint),
// its CSS, Monaco's three web workers, and the page template. Everything comes from node_modules:
// the server may run offline, so no CDN. Run by scripts/build.js (`npm run build`, `npm start`,
// `npm run signet`, the tests' global setup).
//
// A running server reads this directory on every request, so a build never changes it in place:
// dist/playground is a symlink to one complete build under dist/.playground-builds/, built beside
// it and swapped in with one rename. A build whose inputs are unchanged does nothing.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } = require('node:fs');
const { basename, dirname, join, relative, sep } = require('node:path');

const ROOT = join(__dirname, '..');
const SOURCE = join(ROOT, 'src', 'transport', 'playground', 'browser');
/** Written into each build: what it was built from (to skip unchanged rebuilds) and which files it produced. */
const MANIFEST = '.build-manifest.json';

/** Browsers with Ed25519 in WebCrypto (Chrome 137, Firefox 129, Safari 17); older ones cannot sign anyway. */
const TARGET = ['chrome137', 'firefox129', 'safari17'];

/**
 * graphiql/style.css already carries Monaco's styles; Monaco's own `import './x.css'` would put a
 * second copy into CSS files of lazily loaded chunks that no page links. Drop those imports.
 */
const dropMonacoCss = {
  name: 'drop-monaco-css',
  setup(build) {
    build.onResolve({ filter: /\.css$/ }, (args) => (/[\\/]monaco-editor[\\/]/.test(args.importer) ? { path: args.path, namespace: 'empty-css' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'empty-css' }, () => ({ contents: '', loader: 'css' }));
  },
};

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What every build depends on besides its source files: this script, the options, the installed
 * dependency versions (package-lock.json stands for node_modules: hashing its files would cost
 * more than the check saves) and the tsconfig esbuild reads.
 */
function buildKey(minify) {
  const files = [__filename, join(ROOT, 'package-lock.json'), join(ROOT, 'tsconfig.json')];
  return sha256(JSON.stringify({ minify, files: files.map((f) => (existsSync(f) ? sha256(readFileSync(f)) : null)) }));
}

/** Hashes of the bundle's inputs outside node_modules (repository-relative paths), from esbuild's metafile. */
function sourceHashes(metafiles) {
  const hashes = {};
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      if (input.includes('node_modules/') || input.includes(':')) continue; // dependencies: the lock file; virtual modules: none
      hashes[input] = sha256(readFileSync(join(ROOT, input)));
    }
  }
  hashes[relative(ROOT, join(SOURCE, 'index.html')).split(sep).join('/')] = sha256(readFileSync(join(SOURCE, 'index.html')));
  return hashes;
}

/** The manifest of the build `outDir` serves, or null when there is none (never built, old layout). */
function currentManifest(outDir) {
  try {
    return JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
}

/** True when the served build was made with `key` from sources that still hash the same. */
function isUpToDate(manifest, key) {
  if (!manifest || manifest.key !== key) return false;
  return Object.entries(manifest.inputs).every(([file, hash]) => {
    try {
      return sha256(readFileSync(join(ROOT, file))) === hash;
    } catch {
      return false; // a deleted input
    }
  });
}

/** Every file under `dir`, relative to it, with `/` separators. */
function listFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(join(dir, entry.name), rel) : [rel];
  });
}

/** Runs esbuild into `dir` (empty); returns the metafiles. */
async function bundle(dir, minify) {
  const esbuild = require('esbuild');
  const common = {
    bundle: true, minify, platform: 'browser', target: TARGET, outdir: dir, absWorkingDir: ROOT, logLevel: 'warning', legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Fonts in GraphiQL's CSS are data: URLs already; anything else becomes a file on this origin.
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  };
  const [app, workers] = await Promise.all([
    esbuild.build({
      ...common, entryPoints: { app: join(SOURCE, 'app.tsx') }, format: 'esm', splitting: true, jsx: 'automatic', metafile: true,
      chunkNames: 'chunks/[name]-[hash]', assetNames: 'assets/[name]-[hash]', plugins: [dropMonacoCss],
    }),
    // Workers are classic scripts: module workers are not yet in every browser's worker-src story.
    esbuild.build({
      ...common, format: 'iife', metafile: true,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js', { paths: [ROOT] }),
        'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js', { paths: [ROOT] }),
        'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js', { paths: [ROOT] }),
      },
    }),
  ]);
  // Chunks whose only CSS was Monaco's dropped imports leave empty .css files behind: nothing links them.
  for (const file of Object.keys(app.metafile.outputs)) {
    if (file.endsWith('.css') && statSync(join(ROOT, file)).size === 0) rmSync(join(ROOT, file));
  }
  writeFileSync(join(dir, 'index.html'), readFileSync(join(SOURCE, 'index.html')));
  return [app.metafile, workers.metafile];
}

/**
 * A page loaded from the previous build fetches its lazy chunks (Monaco, prettier) after the swap:
 * their names carry a content hash, so hard links to the previous build's own chunks and assets
 * keep them reachable for one more build without ever shadowing a new file.
 */
function carryOver(previousDir, dir) {
  const previous = currentManifest(previousDir);
  for (const file of previous?.files ?? []) {
    if (!(file.startsWith('chunks/') || file.startsWith('assets/')) || existsSync(join(dir, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      linkSync(join(previousDir, file), join(dir, file));
    } catch {
      // Gone already (pruned by a concurrent build): that page reloads.
    }
  }
}

/** Points `outDir` at `target` with one rename (a symlink replacing a symlink is atomic). */
function swapLink(outDir, target) {
  const link = `${outDir}.link-${process.pid}`;
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(outDir), target), link, 'dir');
  let legacy = null;
  if (existsSync(outDir) && !lstatSync(outDir).isSymbolicLink()) {
    // A directory from before builds were swapped in: the one build that moves it aside first.
    legacy = `${outDir}.old-${process.pid}`;
    renameSync(outDir, legacy);
  }
  renameSync(link, outDir);
  if (legacy) rmSync(legacy, { recursive: true, force: true });
}

/** Removes builds other than `keep`, and unfinished ones whose process has exited. */
function prune(buildsDir, keep) {
  for (const name of readdirSync(buildsDir)) {
    if (keep.includes(name)) continue;
    const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && isAlive(Number(pid))) continue; // another build in progress
    rmSync(join(buildsDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Builds the playground bundle served from `outDir` (default dist/playground) unless the build it
 * serves is up to date. The new build is complete before `outDir` points at it; the previous one
 * stays on disk until the next build.
 * @param {{ outDir?: string, minify?: boolean }} [options]
 * @returns {Promise<{ dir: string, built: boolean }>} the served directory, and whether a build ran
 */
async function buildPlayground(options = {}) {
  const outDir = options.outDir ?? join(ROOT, 'dist', 'playground');
  const minify = options.minify ?? true;
  const key = buildKey(minify);
  if (isUpToDate(currentManifest(outDir), key)) return { dir: outDir, built: false };

  const buildsDir = join(dirname(outDir), `.${basename(outDir)}-builds`);
  mkdirSync(buildsDir, { recursive: true });
  const name = `${Date.now().toString(36)}-${process.pid}`;
  const tmp = join(buildsDir, `${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const metafiles = await bundle(tmp, minify);
    const files = listFiles(tmp);
    writeFileSync(join(tmp, MANIFEST), `${JSON.stringify({ key, inputs: sourceHashes(metafiles), files }, null, 1)}\n`);
    const previous = existsSync(outDir) && lstatSync(outDir).isSymbolicLink() ? basename(readlinkSync(outDir)) : null;
    if (previous) carryOver(join(buildsDir, previous), tmp);
    const final = join(buildsDir, name);
    renameSync(tmp, final);
    swapLink(outDir, final);
    prune(buildsDir, [name, previous]);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return { dir: outDir, built: true };
}

module.exports = { buildPlayground };

if (require.main === module) {
  // Silent on success: `npm run signet -- … --json` builds first, and its stdout must stay pure JSON.
  buildPlayground().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
