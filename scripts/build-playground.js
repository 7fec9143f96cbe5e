// Bundles the browser playground (src/transport/playground/browser) with esbuild into
// dist/playground/: the app (ES modules, code-split so Monaco and prettier load after first paint),
// its CSS, Monaco's three web workers, and the page template. Everything comes from node_modules:
// the server may run offline, so no CDN. Run by `npm run build` and by test/global-setup.js.
'use strict';
const { copyFileSync, mkdirSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const SOURCE = join(ROOT, 'src', 'transport', 'playground', 'browser');

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

/**
 * Builds the playground bundle into `outDir` (default dist/playground), replacing what was there.
 * @param {{ outDir?: string, minify?: boolean }} [options]
 * @returns {Promise<string>} the output directory
 */
async function buildPlayground(options = {}) {
  const esbuild = require('esbuild');
  const outDir = options.outDir ?? join(ROOT, 'dist', 'playground');
  const minify = options.minify ?? true;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true, minify, platform: 'browser', target: TARGET, outdir: outDir, absWorkingDir: ROOT, logLevel: 'warning', legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Fonts in GraphiQL's CSS are data: URLs already; anything else becomes a file on this origin.
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  };
  const [app] = await Promise.all([
    esbuild.build({
      ...common, entryPoints: { app: join(SOURCE, 'app.tsx') }, format: 'esm', splitting: true, jsx: 'automatic', metafile: true,
      chunkNames: 'chunks/[name]-[hash]', assetNames: 'assets/[name]-[hash]', plugins: [dropMonacoCss],
    }),
    // Workers are classic scripts: module workers are not yet in every browser's worker-src story.
    esbuild.build({
      ...common, format: 'iife',
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
  copyFileSync(join(SOURCE, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

module.exports = { buildPlayground };

if (require.main === module) {
  // Silent on success: `npm run signet -- … --json` builds first, and its stdout must stay pure JSON.
  buildPlayground().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
