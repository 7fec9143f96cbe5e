#!/usr/bin/env node
// The `signet` command: runs the compiled entry point (`npm run build` produces dist/).
'use strict';
const { main } = require('../dist/main.js');

main().then((code) => {
  if (code !== 0) process.exitCode = code;
}, (error) => {
  process.stderr.write(`signet: ${error && error.message ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
