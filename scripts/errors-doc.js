// `npm run errors-doc`: rewrites ERRORS.md's tables from the error tables in src/ (see
// src/transport/errors-doc.generator.ts), keeping the prose around them. test/errors-doc-fresh
// fails when the committed ERRORS.md is not what this writes.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { buildServer } = require('./build');

buildServer();
const { renderErrorsDoc } = require('../dist/transport/errors-doc.generator');
const path = join(__dirname, '..', 'ERRORS.md');
const before = readFileSync(path, 'utf8');
const after = renderErrorsDoc(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'ERRORS.md is up to date' : 'ERRORS.md rewritten');
