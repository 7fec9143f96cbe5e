// Brings dist/ (and the playground bundle) up to date before the suites that start real `signet`
// processes (bin/signet.js runs dist/): the same incremental build as `npm run build`.
'use strict';
const { build } = require('../scripts/build');

module.exports = async function globalSetup() {
  await build();
};
