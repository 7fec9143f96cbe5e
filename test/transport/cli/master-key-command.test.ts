import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signet } from '../../helpers/cli';

/**
 * `signet master-key adopt`: the way to replace a database's master key on purpose. The servers
 * refuse a key that is not the database's; the command makes the configured key the database's,
 * and refuses while a live HMAC secret does not open under it.
 *
 * @jest-project integration: each in-process CLI run opens the embedded database (PGlite).
 */
describe('signet master-key adopt', () => {
  jest.setTimeout(90_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-master-key-cli-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('adopts a new key once no live HMAC key needs the old one; the old key is then the one refused', async () => {
    const first = { SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') };
    const second = { SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') };
    expect((await signet(first, 'accounts', 'create', '--name', 'carol')).code).toBe(0);
    // The first secret sealed names the key the database needs.
    const sealed = await signet(first, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--alg', 'hmac-sha256', '--json');
    expect(sealed.code).toBe(0);
    const firstKeyId = JSON.parse(sealed.stdout).keyId as string;
    // With the other key, an operator command runs but seals nothing.
    const refused = await signet(second, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--alg', 'hmac-sha256');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("SIGNET_MASTER_KEY is not this database's master key");
    // Not adopted while the first key's HMAC key needs it; revoked, it is.
    const early = await signet(second, 'master-key', 'adopt');
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain(`refused while live HMAC keys do not open under it: ${firstKeyId}; revoke them first`);
    expect((await signet(second, 'keys', 'revoke', firstKeyId)).code).toBe(0);
    const adopted = await signet(second, 'master-key', 'adopt', '--json');
    expect([adopted.code, JSON.parse(adopted.stdout)]).toEqual([0, { masterKey: 'SIGNET_MASTER_KEY', adopted: true }]);
    expect((await signet(second, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--alg', 'hmac-sha256', '--json')).code).toBe(0);

    const back = await signet(first, 'master-key', 'adopt');
    expect(back.code).not.toBe(0);
    expect(back.stderr).toMatch(/SIGNET_MASTER_KEY is not this database's master key .*\(refused while live HMAC keys do not open under it: key_[0-9a-f]+; revoke them first\)/);
  });
});
