import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { createSecretBox, recordMasterKey } from '../src/domain';
import { createLogger, openRuntime, type Runtime } from '../src/runtime';
import { servicesFor } from './helpers/domain';
import { createHmacKey, withRuntimeOf } from './helpers/master-keys';

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

  const withRuntime = <T>(env: Record<string, string>, work: (runtime: Runtime) => Promise<T>) => withRuntimeOf({ SIGNET_DATA_DIR: dataDir, ...env }, work);

  test('a master.key lost beside sealed HMAC secrets stops the start, and no new key file replaces it', async () => {
    await withRuntime({}, createHmacKey);
    rmSync(keyFile());
    await expect(open()).rejects.toThrow(/master\.key is missing, and the 1 live HMAC key\(s\) in this database are sealed under it: restore the master key they were sealed with \(.*master\.key from a backup, or SIGNET_MASTER_KEY\), or revoke them/);
    expect(existsSync(keyFile())).toBe(false);
  });

  test('a master.key that is not the one the secrets were sealed with stops the start', async () => {
    await withRuntime({}, createHmacKey);
    rmSync(keyFile());
    writeFileSync(keyFile(), randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    await expect(open()).rejects.toThrow(/master\.key is not this database's master key \(another key was set up with it; mistyped, or another process's\?\): give every process the database's master key; .* \(refused while live HMAC keys do not open under it: key_[0-9a-f]+; revoke them first\)\.$/);
  });

  test('a SIGNET_MASTER_KEY other than the sealing key stops the start, naming the variable', async () => {
    const sealing = randomBytes(32).toString('base64');
    await withRuntime({ SIGNET_MASTER_KEY: sealing }, createHmacKey);
    await expect(open({ SIGNET_MASTER_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(/^SIGNET_MASTER_KEY is not this database's master key/);
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
      expect(lines).toContainEqual(expect.stringContaining('master.key was missing beside an existing database; no live HMAC key needs it'));
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

  /** Logger lines at warn, as messages. */
  function warnings(): { logger: ReturnType<typeof createLogger>; lines: string[]; warned: unknown[]; restore(): void } {
    const lines: string[] = [];
    const warned: unknown[] = [];
    const logger = createLogger('warn');
    const spy = jest.spyOn(logger, 'warn').mockImplementation(((...args: unknown[]) => {
      lines.push(String(args[1] ?? args[0]));
      if (typeof args[0] === 'object') warned.push(args[0]);
    }) as never);
    return { logger, lines, warned, restore: () => spy.mockRestore() };
  }

  test('revoked HMAC keys need no master key: a lost master.key beside them alone is generated again', async () => {
    await withRuntime({}, async (runtime) => {
      const keyId = await createHmacKey(runtime);
      const key = await runtime.services.apiKeys.loadVerificationMaterial(keyId);
      const revoked = await runtime.services.apiKeys.revokeApiKey(key!.apiKey.accountId, keyId);
      expect(revoked.ok).toBe(true);
    });
    rmSync(keyFile());
    await withRuntime({}, async () => undefined);
    expect(existsSync(keyFile())).toBe(true);
  });

  test('the operator commands run without a fitting key, so the lost key\'s HMAC keys can be revoked; they seal nothing meanwhile', async () => {
    const keyId = await withRuntime({}, createHmacKey);
    rmSync(keyFile());
    const log = warnings();
    const runtime = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir }), log.logger, { masterKeyMismatch: 'warn' });
    try {
      expect(log.lines).toContainEqual(expect.stringContaining('HMAC keys can be listed and revoked, not created or used'));
      expect(existsSync(keyFile())).toBe(false);
      const material = await runtime.services.apiKeys.loadVerificationMaterial(keyId).catch((error: Error) => error);
      expect((material as Error).message).toMatch(/^HMAC secrets are unavailable: /);
      const [listed] = await runtime.services.uow.repo.listApiKeys((await runtime.services.uow.repo.findApiKey(keyId))!.accountId);
      expect((await runtime.services.apiKeys.revokeApiKey(listed.accountId, keyId)).ok).toBe(true);
    } finally {
      log.restore();
      await runtime.close();
    }
    // With no live HMAC key left, the server starts again, on a new master key.
    await withRuntime({}, async () => undefined);
  });

  /**
   * An HMAC key sealed under `other`, as an older release could leave one (the lost-key bug, or two
   * processes with two keys): today a process whose key is not the database's seals nothing, so
   * the check is set aside while it is created, then put back as it was.
   */
  async function createForeignHmacKey(runtime: Runtime, other: Buffer = randomBytes(32)): Promise<string> {
    const [{ sealed }] = await runtime.driver.query<{ sealed: string }>('SELECT sealed FROM master_key_check');
    await runtime.driver.query('DELETE FROM master_key_check');
    const id = await createHmacKey({ ...runtime, services: servicesFor(runtime.driver, { masterKey: other }) });
    await runtime.driver.query('DELETE FROM master_key_check');
    await runtime.driver.query('INSERT INTO master_key_check (id, sealed) VALUES (1, $1)', [sealed]);
    return id;
  }

  test('a process whose master key was adopted away seals no HMAC key: the key is refused, nothing is stored', async () => {
    const first = randomBytes(32).toString('base64');
    await withRuntime({ SIGNET_MASTER_KEY: first }, async (runtime) => {
      const account = await runtime.services.accounts.createAccount('still-running');
      if (!account.ok) throw new Error('no account');
      // Another process adopts another key while this one runs.
      await recordMasterKey(runtime.services.uow, createSecretBox(randomBytes(32)), 'replace');
      await expect(runtime.services.apiKeys.createApiKey(account.value.id, { label: 'bot', scopes: ['READ'], algorithm: 'hmac-sha256' }))
        .rejects.toThrow(/master key is not the database's \(another one was recorded, or adopted with signet master-key adopt, after this process started\)/);
      expect(await runtime.services.uow.repo.listApiKeys(account.value.id)).toEqual([]);
      // Ed25519 keys seal nothing: still created.
      expect((await runtime.services.apiKeys.createApiKey(account.value.id, { label: 'ed', scopes: ['READ'], algorithm: 'ed25519' })).ok).toBe(true);
    });
  });

  test('a key that opens some live secrets starts, and names the keys whose secrets it does not open', async () => {
    const sealing = randomBytes(32).toString('base64');
    // What the lost-key bug could leave: one key sealed under the master key, one under another.
    const [good, stray] = await withRuntime({ SIGNET_MASTER_KEY: sealing }, async (runtime) => [
      await createHmacKey(runtime),
      await createForeignHmacKey(runtime),
    ]);
    const log = warnings();
    const runtime = await open({ SIGNET_MASTER_KEY: sealing }, log.logger);
    try {
      expect(log.lines).toContainEqual(expect.stringContaining('SIGNET_MASTER_KEY does not open the secrets of 1 live HMAC key(s)'));
      expect(log.warned).toContainEqual({ keyIds: [stray] });
      expect(log.lines.join('\n')).not.toContain(good);
      expect((await runtime.services.apiKeys.loadVerificationMaterial(good))?.secret).toHaveLength(32);
    } finally {
      log.restore();
      await runtime.close();
    }
  });
  /**
   * The database names its master key (a check sealed by the first start with a key), so a process
   * started with another key stops even while no live HMAC secret could tell: before, two servers
   * on one PostgreSQL, one with a mistyped SIGNET_MASTER_KEY, both started and each sealed new HMAC
   * keys the other could not open (a retryable 503 on every request that reached the other one).
   */
  test('another master key is refused before any HMAC key exists; adopted on purpose, it becomes the database\'s', async () => {
    const first = randomBytes(32).toString('base64');
    const second = randomBytes(32).toString('base64');
    await withRuntime({ SIGNET_MASTER_KEY: first }, async () => undefined);
    await expect(open({ SIGNET_MASTER_KEY: second })).rejects.toThrow(
      "SIGNET_MASTER_KEY is not this database's master key (another key was set up with it; mistyped, or another process's?): give every process the database's master key; to replace it on purpose, stop every server and run signet master-key adopt with the new key.",
    );
    // The operator commands still run, sealing nothing, and say the same.
    const log = warnings();
    const operator = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: second }), log.logger, { masterKeyMismatch: 'warn' });
    try {
      expect(log.lines).toContainEqual(expect.stringContaining("SIGNET_MASTER_KEY is not this database's master key"));
      await expect(createHmacKey(operator)).rejects.toThrow(/HMAC secrets are unavailable/);
    } finally {
      log.restore();
      await operator.close();
    }
    const adopting = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: second }), createLogger('silent'), { masterKeyMismatch: 'adopt' });
    await adopting.close();
    await withRuntime({ SIGNET_MASTER_KEY: second }, createHmacKey);
    await expect(open({ SIGNET_MASTER_KEY: first })).rejects.toThrow(/^SIGNET_MASTER_KEY is not this database's master key .*\(refused while live HMAC keys do not open under it: key_[0-9a-f]+; revoke them first\)\.$/);
  });

  test('an operator command records no master key: on a database that names none, the servers\' key is the one recorded', async () => {
    const servers = randomBytes(32).toString('base64');
    await withRuntime({ SIGNET_MASTER_KEY: servers }, async (runtime) => {
      // As a database from before the check, with no HMAC key (an Ed25519-only deployment).
      await runtime.driver.query('DELETE FROM master_key_check');
    });
    const log = warnings();
    const operator = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') }), log.logger, { masterKeyMismatch: 'warn' });
    try {
      expect(await operator.services.uow.repo.readMasterKeyCheck()).toBeNull();
    } finally {
      log.restore();
      await operator.close();
    }
    const recorded = warnings();
    const server = await open({ SIGNET_MASTER_KEY: servers }, recorded.logger);
    try {
      expect(recorded.lines).toContain('the database now names SIGNET_MASTER_KEY as its master key; every process must start with it');
    } finally {
      recorded.restore();
      await server.close();
    }
  });

  test('a key is not adopted while a live HMAC secret does not open under it', async () => {
    const first = randomBytes(32).toString('base64');
    await withRuntime({ SIGNET_MASTER_KEY: first }, createHmacKey);
    const adopt = openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') }), createLogger('silent'), { masterKeyMismatch: 'adopt' });
    await expect(adopt).rejects.toThrow(/^SIGNET_MASTER_KEY is not this database's master key .*\(refused while live HMAC keys do not open under it: key_[0-9a-f]+; revoke them first\)\.$/);
    await withRuntime({ SIGNET_MASTER_KEY: first }, async () => undefined);
  });

  test('keys sealed under two master keys and no check yet (an older release\'s database): no start records either key until the keys in the way are revoked', async () => {
    const sealing = randomBytes(32).toString('base64');
    const other = randomBytes(32);
    const [own, stray] = await withRuntime({ SIGNET_MASTER_KEY: sealing }, async (runtime) => {
      const ids = [await createHmacKey(runtime), await createForeignHmacKey(runtime, other)];
      // As a database from before the check: none set.
      await runtime.driver.query('DELETE FROM master_key_check');
      return ids;
    });
    const refusalOf = (key: string) => open({ SIGNET_MASTER_KEY: key }).then(async (runtime) => { await runtime.close(); return null; }, (error: Error) => error.message);
    expect(await refusalOf(sealing)).toBe(`SIGNET_MASTER_KEY does not open the secrets of 1 of the 2 live HMAC key(s) in this database (${stray}), and the database names no master key yet: start with the key every live secret opens under, or revoke the keys it does not open (they fail on every request) and start again; signet master-key adopt makes a key the database's.`);
    expect(await refusalOf(other.toString('base64'))).toContain(`(${own}), and the database names no master key yet`);
    // The operator decides: the other key's HMAC key revoked, the sealing key starts and is recorded.
    const operator = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir, SIGNET_MASTER_KEY: sealing }), createLogger('silent'), { masterKeyMismatch: 'warn' });
    try {
      // Meanwhile an operator command seals nothing (its first secret would record its key).
      await expect(createHmacKey(operator)).rejects.toThrow(/HMAC secrets are unavailable/);
      const key = await operator.services.uow.repo.findApiKey(stray);
      expect((await operator.services.apiKeys.revokeApiKey(key!.accountId, stray)).ok).toBe(true);
      expect(await operator.services.uow.repo.readMasterKeyCheck()).toBeNull();
    } finally {
      await operator.close();
    }
    await withRuntime({ SIGNET_MASTER_KEY: sealing }, async () => undefined);
    expect(await refusalOf(other.toString('base64'))).toMatch(/^SIGNET_MASTER_KEY is not this database's master key/);
  });
});
