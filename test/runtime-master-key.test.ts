import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime, type Runtime } from '../src/runtime';

/**
 * The master key seals HMAC secrets at rest. A start with a key that cannot open them (a lost
 * `master.key`, a mistyped SIGNET_MASTER_KEY) stops, naming what to restore: before, a missing
 * file was silently generated again and every HMAC key then failed on every request as
 * "temporarily unavailable", while Ed25519 keys and /readyz looked healthy.
 */
describe('openRuntime: the master key against the secrets sealed in the database', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  const keyFile = () => join(dataDir, 'master.key');
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-master-key-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const open = (env: Record<string, string> = {}, logger = createLogger('silent')) => openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, ...env }), logger);

  async function withRuntime<T>(env: Record<string, string>, work: (runtime: Runtime) => Promise<T>): Promise<T> {
    const runtime = await open(env);
    try {
      return await work(runtime);
    } finally {
      await runtime.close();
    }
  }

  /** An account with an HMAC key; returns the key's id. */
  async function createHmacKey(runtime: Runtime): Promise<string> {
    const account = await runtime.services.accounts.createAccount(`acct-${randomBytes(3).toString('hex')}`);
    if (!account.ok) throw new Error(account.errors[0].message);
    const created = await runtime.services.apiKeys.createApiKey(account.value.id, { label: 'bot', scopes: ['READ'], algorithm: 'hmac-sha256' });
    if (!created.ok) throw new Error(created.errors[0].message);
    return created.value.apiKey.id;
  }

  test('a master.key lost beside sealed HMAC secrets stops the start, and no new key file replaces it', async () => {
    await withRuntime({}, createHmacKey);
    rmSync(keyFile());
    await expect(open()).rejects.toThrow(/master\.key is missing, and this database holds HMAC secrets sealed under it: restore the file from a backup/);
    expect(existsSync(keyFile())).toBe(false);
  });

  test('a master.key that is not the one the secrets were sealed with stops the start', async () => {
    await withRuntime({}, createHmacKey);
    rmSync(keyFile());
    writeFileSync(keyFile(), randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    await expect(open()).rejects.toThrow(/master\.key does not open the HMAC secrets sealed in this database/);
  });

  test('a SIGNET_MASTER_KEY other than the sealing key stops the start, naming the variable', async () => {
    const sealing = randomBytes(32).toString('base64');
    await withRuntime({ SIGNET_MASTER_KEY: sealing }, createHmacKey);
    await expect(open({ SIGNET_MASTER_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(/^SIGNET_MASTER_KEY does not open the HMAC secrets sealed in this database/);
    // The right one opens them.
    await withRuntime({ SIGNET_MASTER_KEY: sealing }, async (runtime) => expect(runtime.services).toBeDefined());
  });

  test('the sealing key opens the database and its HMAC keys verify', async () => {
    const keyId = await withRuntime({}, createHmacKey);
    await withRuntime({}, async (runtime) => {
      const material = await runtime.services.apiKeys.loadVerificationMaterial(keyId);
      expect(material?.secret).toHaveLength(32);
    });
  });

  test('a master.key lost beside a database with no HMAC secret is generated again (0600), with a warning', async () => {
    await withRuntime({}, async () => undefined);
    rmSync(keyFile());
    const lines: string[] = [];
    const logger = createLogger('warn');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(((...args: unknown[]) => { lines.push(String(args[1] ?? args[0])); }) as never);
    const runtime = await open({}, logger);
    try {
      expect(lines).toContainEqual(expect.stringContaining('master.key was missing beside an existing database; no HMAC secret is sealed in it'));
      expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(keyFile(), 'utf8').trim(), 'base64')).toHaveLength(32);
      await createHmacKey(runtime);
    } finally {
      warn.mockRestore();
      await runtime.close();
    }
    // And the new key is the one the next start finds.
    await withRuntime({}, async () => undefined);
  });
});
