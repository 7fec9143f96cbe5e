// Jest transform for PGlite's CommonJS build, so that plain `npx jest` runs the PGlite suites.
// PGlite loads Node built-ins with `await import("fs/promises")` (and zlib, util, stream,
// module); inside Jest's vm sandbox a dynamic import needs node's --experimental-vm-modules,
// which a jest config cannot pass. A built-in is the same object through require(), so those
// calls (and only those: a literal specifier naming a Node built-in) become a resolved require.
// The module's own `require` is captured first: Emscripten's code declares a local `require`.
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { isBuiltin } = require('node:module');

const DYNAMIC_IMPORT = /\bimport\((["'])([^"'\\]+)\1\)/g;
/** A leading "use strict" must stay the first statement; the capture goes right after it, on the same line. */
const PROLOGUE = /^\s*(["'])use strict\1;?/;
const REQUIRE = '__signetBuiltinRequire';
const SELF = createHash('sha256').update(readFileSync(__filename)).digest('hex');

/** Replaces `import("<built-in>")` with a promise of the module's namespace (named exports plus `default`). */
function rewrite(source) {
  let changed = false;
  const code = source.replace(DYNAMIC_IMPORT, (call, _quote, specifier) => {
    if (!isBuiltin(specifier)) return call;
    changed = true;
    return `Promise.resolve().then(() => { const m = ${REQUIRE}(${JSON.stringify(specifier)}); return { ...m, default: m }; })`;
  });
  if (!changed) return source;
  const prologue = PROLOGUE.exec(code)?.[0] ?? '';
  // Same line: the source maps PGlite ships still point at the right lines.
  return `${prologue}var ${REQUIRE}=require;${code.slice(prologue.length)}`;
}

module.exports = {
  rewrite,
  process(source) {
    return { code: rewrite(source) };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update(SELF).update(path).update(source).digest('hex');
  },
};
