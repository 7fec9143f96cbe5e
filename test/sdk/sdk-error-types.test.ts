/**
 * The SDK types the codes a client branches on: `extensions.code`, `extensions.reason` and a
 * user error's `code` are the codes this release sends plus `'%future added value'`. A misspelt
 * code does not compile, an exhaustive `switch` needs a default branch for codes a later server
 * adds, and the lists the SDK exports are the server's own tables.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNET_ERROR_CODES, SIGNET_REFUSAL_REASONS } from '@signet/sdk';
import { ERROR_CODES } from '../../src/errors';
import { REFUSAL_REASONS } from '../../src/transport/http/refusal-reasons.table';
import { USER_ERROR_CODES } from '../../src/domain';
import { typeCheck } from '../helpers/type-check';

// The SDK's sources that declare these types (its index also pulls in the signing code, whose
// dependencies this checker's plain Node resolution does not read).
const sdkSources = join(__dirname, '..', '..', 'packages', 'sdk', 'src');

describe('the SDK\'s error codes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'signet-sdk-error-types-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Type-checks a client file whose body is `body`, with the SDK's types imported. */
  function check(name: string, body: string): string[] {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, [
      `import type { SignetGraphQLError, SignetUserError } from ${JSON.stringify(join(sdkSources, 'response'))};`,
      `import type { SignetErrorCode } from ${JSON.stringify(join(sdkSources, 'generated', 'error-codes'))};`,
      body,
    ].join('\n'));
    return typeCheck([file]);
  }

  test('the exported lists are exactly the codes and reasons the server sends', () => {
    expect([...SIGNET_ERROR_CODES]).toEqual(Object.keys(ERROR_CODES));
    expect([...SIGNET_REFUSAL_REASONS]).toEqual(Object.keys(REFUSAL_REASONS));
  });

  test('branching on known codes compiles', () => {
    expect(check('known', `
      export function describe(error: SignetGraphQLError, userError: SignetUserError): string {
        if (error.extensions?.code === 'RATE_LIMITED') return 'wait';
        if (error.extensions?.reason === 'NONCE_REUSED') return 'new nonce';
        if (userError.code === 'INSUFFICIENT_FUNDS') return 'deposit';
        return 'other';
      }
    `)).toEqual([]);
  }, 30_000);

  test('a misspelt code, reason or user error code does not compile', () => {
    const errors = check('misspelt', `
      export function describe(error: SignetGraphQLError, userError: SignetUserError): string {
        if (error.extensions?.code === 'RATE_LIMTED') return 'wait';
        if (error.extensions?.reason === 'NONCE_REUSE') return 'new nonce';
        if (userError.code === 'INSUFFICENT_FUNDS') return 'deposit';
        return 'other';
      }
    `);
    expect(errors).toHaveLength(3);
    for (const message of errors) expect(message).toMatch(/no overlap/);
  }, 30_000);

  test('an exhaustive switch over the known codes still needs a branch for a later server\'s codes', () => {
    const cases = Object.keys(ERROR_CODES).map((code) => `case '${code}': return 1;`).join(' ');
    const exhaustive = (extra: string) => `
      export function weight(code: SignetErrorCode): number {
        switch (code) { ${cases} ${extra} }
        const unreachable: never = code;
        return unreachable;
      }
    `;
    expect(check('without-default', exhaustive(''))).toEqual([expect.stringMatching(/'"%future added value"' is not assignable to type 'never'/)]);
    expect(check('with-future', exhaustive(`case '%future added value': return 0;`))).toEqual([]);
  }, 30_000);

  test('every user error code of the server is one the SDK\'s type accepts', () => {
    const codes = Object.keys(USER_ERROR_CODES).map((code) => `'${code}'`).join(', ');
    expect(check('user-codes', `export const all: SignetUserError['code'][] = [${codes}];`)).toEqual([]);
  }, 30_000);
});
