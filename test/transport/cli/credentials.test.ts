/**
 * A credentials file that is not JSON is refused without quoting it: the parser's own message
 * quotes the text around the error, which in a hand-edited file is often part of the secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClientConfig } from '../../../src/client-config';
import { credentialFor, readCredential } from '../../../src/transport/cli/credentials';

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

  test('a file listing several credentials needs --as: none is picked for the caller (outside review: the first one acted)', () => {
    const file = join(dir, 'two.json');
    writeFileSync(file, JSON.stringify({ credentials: [
      { name: 'alice', keyId: 'key_alice', privateKey: 'AAAA' },
      { name: 'bob', keyId: 'key_bob', privateKey: 'BBBB' },
    ] }));
    expect(() => readCredential(file)).toThrow(`${file} lists 2 credentials (it has: "alice", "bob"): pass --as NAME to pick the one to act as.`);
    expect(readCredential(file, 'bob')).toMatchObject({ keyId: 'key_bob', algorithm: 'ed25519' });
    expect(() => readCredential(file, 'carol')).toThrow(`No usable credential named "carol" in ${file} (it has: "alice", "bob") (need keyId and privateKey or secret).`);
    const one = join(dir, 'one.json');
    writeFileSync(one, JSON.stringify({ keyId: 'key_single', secret: 'c2VjcmV0' }));
    expect(readCredential(one)).toMatchObject({ keyId: 'key_single', algorithm: 'hmac-sha256' });
  });

  test('JSON that is not an object is refused as such', () => {
    for (const text of ['null', '[]', '"key"', '{"credentials": null}']) {
      const file = join(dir, 'odd.json');
      writeFileSync(file, text);
      expect(() => readCredential(file)).toThrow(/^(Cannot read credentials from .*: not a JSON object|No usable credential in )/);
    }
  });

  test('--as without --credentials is a usage error, never the environment key acting instead (outside review: it signed as bob)', () => {
    const config = parseClientConfig({ SIGNET_KEY_ID: 'key_bob', SIGNET_PRIVATE_KEY: 'MC4CAQAwBQYDK2VwBCIEIKZ1NgGvFgsBqPp7KXvcsRH7Mvl4N31dr8NIjbvjPBG3' }, []);
    for (const source of ['required', 'optional', 'explicit'] as const) {
      let error: unknown;
      try {
        credentialFor({ as: 'alice' }, config, source);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ exitCode: 2, message: expect.stringContaining('--as "alice" picks a credential of a --credentials FILE, and none was given') });
    }
    expect(credentialFor({}, config, 'required')).toMatchObject({ keyId: 'key_bob' });
  });

  test('a missing file still says why', () => {
    expect(() => readCredential(join(dir, 'absent.json'))).toThrow(/Cannot read credentials from .*absent\.json: ENOENT/);
  });
});
