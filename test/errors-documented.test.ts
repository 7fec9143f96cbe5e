import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserErrorCode } from '../src/domain';
import { ErrorCode } from '../src/errors';
import { SIGNATURE_FAILURE_REASONS } from '@signet/http-message-signatures';
import { REFUSAL_REASONS } from '../src/transport/http/refusal-reasons.table';

/** Codes documented in ERRORS.md: every backticked code in the first column of a table row. */
function documentedCodes(): Set<string> {
  const text = readFileSync(join(__dirname, '..', 'ERRORS.md'), 'utf8');
  return new Set([...text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
}

describe('ERRORS.md', () => {
  const documented = documentedCodes();

  test.each(Object.values(ErrorCode))('documents the GraphQL error code %s', (code) => {
    expect(documented).toContain(code);
  });

  test.each(Object.values(UserErrorCode))('documents the business error code %s', (code) => {
    expect(documented).toContain(code);
  });

  test.each([...SIGNATURE_FAILURE_REASONS])('documents the signature rejection reason %s', (reason) => {
    expect(documented).toContain(reason);
  });

  test.each(Object.keys(REFUSAL_REASONS))('documents the refusal reason %s', (reason) => {
    expect(documented).toContain(reason);
  });

  test('documents no code that the source does not define', () => {
    const defined = new Set<string>([...Object.values(ErrorCode), ...Object.values(UserErrorCode), ...SIGNATURE_FAILURE_REASONS, ...Object.keys(REFUSAL_REASONS)]);
    expect([...documented].filter((c) => !defined.has(c))).toEqual([]);
  });
});
