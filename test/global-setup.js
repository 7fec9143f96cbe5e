// Builds dist/ (and the playground bundle) once before the suites that start real `signet` processes (bin/signet.js runs dist/).
'use strict';
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { buildPlayground } = require('../scripts/build-playground');

module.exports = async function globalSetup() {
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  // The playground bundle (dist/playground) for the browser test: what `npm run build` also runs.
  await buildPlayground();
};
