/**
 * A credentials file that is not JSON is refused without quoting it: the parser's own message
 * quotes the text around the error, which in a hand-edited file is often part of the secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCredential } from '../../../src/transport/cli/credentials';

describe('readCredential', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'signet-credentials-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a file that is not JSON is refused without any of its text', () => {
    const file = join(dir, 'broken.json');
    // An unquoted value: V8's message quotes the text around it ("secret": q83vEjRWeJ…).
    writeFileSync(file, '{"keyId": "key_0123456789abcdef01234567", "secret": q83vEjRWeJq83vEjRWeJq83vEjRWeJ}');
    let message = '';
    try {
      readCredential(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`Cannot read credentials from ${file}: not JSON (as \`keys create --json\` prints it)`);
    expect(message).not.toMatch(/q83v|RWeJ/);
  });

  test('a missing file still says why', () => {
    expect(() => readCredential(join(dir, 'absent.json'))).toThrow(/Cannot read credentials from .*absent\.json: ENOENT/);
  });
});
