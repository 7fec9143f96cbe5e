// `npm run errors-doc`: rewrites ERRORS.md's tables from the error tables in src/ (see
// src/transport/errors-doc.generator.ts), keeping the prose around them, and the SDK's typed lists
// of the same codes (src/transport/sdk-error-codes.generator.ts). test/errors-doc-fresh fails when
// either committed file is not what this writes.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { buildServer } = require('./build');

buildServer();
const { renderErrorsDoc } = require('../dist/transport/errors-doc.generator');
const { renderSdkErrorCodes, SDK_ERROR_CODES_PATH } = require('../dist/transport/sdk-error-codes.generator');

function rewrite(relativePath, render) {
  const path = join(__dirname, '..', relativePath);
  const before = readFileSync(path, 'utf8');
  const after = render(before);
  if (after !== before) writeFileSync(path, after);
  console.log(after === before ? `${relativePath} is up to date` : `${relativePath} rewritten`);
}

rewrite('ERRORS.md', renderErrorsDoc);
rewrite(SDK_ERROR_CODES_PATH, () => renderSdkErrorCodes());
