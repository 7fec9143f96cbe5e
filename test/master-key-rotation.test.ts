import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { createSecretBox, opensMasterKeyCheck, rotateMasterKey } from '../src/domain';
import { assertSealingKeyIsTheDatabases } from '../src/domain/master-key-check';
import { rotateConfiguredMasterKey, settleStagedMasterKey } from '../src/master-key-rotation';
import type { UnitOfWork } from '../src/domain';
import type { PgliteDataDir } from '../src/stores/postgres';
import { openRuntime, type Runtime } from '../src/runtime';
import { acquireSingleProcessLock, createPgliteDriver, createSqlStores, openPgliteDataDir } from '../src/stores/postgres';
import * as fsyncTreeModule from '../src/stores/postgres/fsync-tree';
import { signet } from './helpers/cli';
import { openScratchSchema, type ScratchSchema } from './helpers/database';
import { captureLogger, silentLogger } from './helpers/logger';
import { createHmacKey, withRuntimeOf } from './helpers/master-keys';
import { describeWithPostgres } from './helpers/services';

/**
 * `signet master-key rotate`: every HMAC secret re-sealed under a new master key, and the new key
 * made the database's, in one transaction; in the embedded mode `master.key` follows the database
 * whatever step a crash stops at (the new key is staged in `master.key.next` before the commit,
 * and the next open promotes or removes it by asking the database which key it names).
 */
const newKey = () => randomBytes(32).toString('base64');

/** The HMAC secrets of `ids` as the verifier loads them (through the runtime's master key). */
async function secretsOf(runtime: Runtime, ids: readonly string[]): Promise<Array<string | undefined>> {
  return Promise.all(ids.map(async (id) => (await runtime.services.apiKeys.loadVerificationMaterial(id))?.secret?.toString('hex')));
}

/** Every sealed secret in the database (live and revoked), by key id. */
async function sealedSecrets(runtime: Runtime): Promise<Map<string, string>> {
  const rows = await runtime.services.uow.transaction((repo) => repo.lockSealedSecrets());
  return new Map(rows.map((r) => [r.id, r.secretCiphertext]));
}

function defineRotationSuite(name: string, setup: () => Promise<{ env: Record<string, string>; dispose(): Promise<void> }>) {
  describe(`signet master-key rotate (${name})`, () => {
    jest.setTimeout(90_000);
    let env: Record<string, string>;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ env, dispose } = await setup());
    });
    afterEach(async () => dispose());

    const open = (extra: Record<string, string>) => openRuntime(parseConfig({ ...env, ...extra }), silentLogger);
    const withRuntime = <T>(extra: Record<string, string>, work: (runtime: Runtime) => Promise<T>) => withRuntimeOf({ ...env, ...extra }, work);
    /** Two live HMAC keys and a revoked one; their ids (live first). */
    async function seedKeys(extra: Record<string, string>): Promise<{ live: string[]; revoked: string }> {
      expect((await signet({ ...env, ...extra }, 'accounts', 'create', '--name', 'carol')).code).toBe(0);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const created = await signet({ ...env, ...extra }, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--alg', 'hmac-sha256', '--json');
        expect(created.code).toBe(0);
        ids.push(JSON.parse(created.stdout).keyId as string);
      }
      expect((await signet({ ...env, ...extra }, 'keys', 'revoke', ids[2])).code).toBe(0);
      return { live: ids.slice(0, 2), revoked: ids[2] };
    }

    test('with SIGNET_MASTER_KEY: every secret, revoked ones too, is the same secret under SIGNET_NEW_MASTER_KEY; a second run finds it done; the old key is then refused', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const keys = await seedKeys({ SIGNET_MASTER_KEY: oldKey });
      const before = await withRuntime({ SIGNET_MASTER_KEY: oldKey }, (runtime) => secretsOf(runtime, keys.live));
      expect(before.every((s) => s !== undefined)).toBe(true);

      const missing = await signet({ ...env, SIGNET_MASTER_KEY: oldKey }, 'master-key', 'rotate');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('set SIGNET_NEW_MASTER_KEY to the new key');
      const same = await signet({ ...env, SIGNET_MASTER_KEY: oldKey, SIGNET_NEW_MASTER_KEY: oldKey }, 'master-key', 'rotate');
      expect(same.stderr).toContain('SIGNET_NEW_MASTER_KEY is the current master key');

      const rotated = await signet({ ...env, SIGNET_MASTER_KEY: oldKey, SIGNET_NEW_MASTER_KEY: nextKey }, 'master-key', 'rotate', '--json');
      expect([rotated.code, JSON.parse(rotated.stdout)]).toEqual([0, { rotated: true, masterKey: 'SIGNET_NEW_MASTER_KEY', resealed: 3 }]);
      expect(rotated.stderr).toContain('start every server with SIGNET_MASTER_KEY set to the new key');
      // No key material in what the command prints.
      expect(rotated.stdout + rotated.stderr).not.toContain(nextKey);

      await withRuntime({ SIGNET_MASTER_KEY: nextKey }, async (runtime) => {
        expect(await secretsOf(runtime, keys.live)).toEqual(before);
        const sealed = await sealedSecrets(runtime);
        expect(sealed.size).toBe(3);
        for (const [id, ciphertext] of sealed) {
          expect(() => createSecretBox(Buffer.from(nextKey, 'base64')).open(ciphertext, id)).not.toThrow();
          expect(() => createSecretBox(Buffer.from(oldKey, 'base64')).open(ciphertext, id)).toThrow();
        }
      });
      await expect(open({ SIGNET_MASTER_KEY: oldKey })).rejects.toThrow(/^SIGNET_MASTER_KEY is not this database's master key/);

      // Run again after a crash whose outcome the operator did not see: done already, nothing changed.
      const again = await signet({ ...env, SIGNET_MASTER_KEY: oldKey, SIGNET_NEW_MASTER_KEY: nextKey }, 'master-key', 'rotate', '--json');
      expect([again.code, JSON.parse(again.stdout)]).toEqual([0, { rotated: false, masterKey: 'SIGNET_NEW_MASTER_KEY', reason: 'the database already names this key' }]);
      // From a key that is not the database's: refused.
      const stranger = await signet({ ...env, SIGNET_MASTER_KEY: newKey(), SIGNET_NEW_MASTER_KEY: newKey() }, 'master-key', 'rotate');
      expect(stranger.code).not.toBe(0);
      expect(stranger.stderr).toContain("SIGNET_MASTER_KEY is not this database's master key; nothing was changed");
    });

    test('a live secret the key does not open (damaged) refuses the whole rotation, naming it: nothing is re-sealed', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const keys = await seedKeys({ SIGNET_MASTER_KEY: oldKey });
      const damaged = createSecretBox(randomBytes(32)).seal(randomBytes(32), keys.live[1]);
      const before = await withRuntime({ SIGNET_MASTER_KEY: oldKey }, async (runtime) => {
        await runtime.services.uow.transaction((repo) => repo.replaceSealedSecret(keys.live[1], damaged));
        return sealedSecrets(runtime);
      });
      const refused = await signet({ ...env, SIGNET_MASTER_KEY: oldKey, SIGNET_NEW_MASTER_KEY: nextKey }, 'master-key', 'rotate');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`does not open the secrets of these live HMAC keys: ${keys.live[1]}`);
      await withRuntime({ SIGNET_MASTER_KEY: oldKey }, async (runtime) => expect(await sealedSecrets(runtime)).toEqual(before));
      await expect(open({ SIGNET_MASTER_KEY: nextKey })).rejects.toThrow(/is not this database's master key/);
    });
  });
}

/** The embedded mode: the key is master.key in the data directory. */
/**
 * A rotation that stopped before its commit, on a database that names no master key yet (one from
 * a release before the record): master.key.next is discarded, master.key kept. Promoting it would
 * lose the only key every secret is sealed under. Only a database that names the staged key
 * (the rotation committed) promotes it. A mutation testing review found the first case unpinned.
 */
test.each([
  ['names no master key (a release before the record; the rotation did not commit)', 'discard', null],
  ['names another key (the rotation did not commit)', 'discard', 'other'],
  ['names the staged key (the rotation committed)', 'promote', 'staged'],
] as const)('a staged master key, the database %s: %s it', async (_case, expected, names) => {
  const staged = randomBytes(32);
  const calls: string[] = [];
  const dataDir = { stagedMasterKey: staged, promoteStagedMasterKey: () => calls.push('promote'), discardStagedMasterKey: () => calls.push('discard') } as unknown as PgliteDataDir;
  const check = names === null ? null : await checkSealedBy(names === 'staged' ? staged : randomBytes(32));
  const uow = { repo: { readMasterKeyCheck: async () => check } } as unknown as UnitOfWork;
  await settleStagedMasterKey(dataDir, uow, silentLogger);
  expect(calls).toEqual([expected]);
});

/** The master-key check value a database records for `masterKey`, sealed as start-up and rotation seal it. */
async function checkSealedBy(masterKey: Buffer): Promise<string> {
  let written = '';
  await assertSealingKeyIsTheDatabases({ readMasterKeyCheck: async () => null, writeMasterKeyCheck: async (sealed: string) => { written = sealed; return sealed; } }, createSecretBox(masterKey));
  return written;
}

describe('signet master-key rotate (embedded master.key)', () => {
  jest.setTimeout(90_000);
  let dataDir: string;
  const keyFile = () => join(dataDir, 'master.key');
  const stagedFile = () => join(dataDir, 'master.key.next');
  const readKey = () => readFileSync(keyFile(), 'utf8').trim();
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-rotate-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = () => ({ SIGNET_DATA_DIR: dataDir });
  const withRuntime = <T>(work: (runtime: Runtime) => Promise<T>, logger = silentLogger) => withRuntimeOf(env(), work, logger);
  const hmacKey = createHmacKey;
  /** Every flush of a directory tree from now on, with what master.key and master.key.next were then (the real flush still runs). */
  function recordFlushes(): Array<{ path: string; masterKey: string; staged: string | null }> {
    const flushes: Array<{ path: string; masterKey: string; staged: string | null }> = [];
    const flush = fsyncTreeModule.fsyncTree;
    jest.spyOn(fsyncTreeModule, 'fsyncTree').mockImplementation((path, fs) => {
      flushes.push({ path, masterKey: readKey(), staged: existsSync(stagedFile()) ? readFileSync(stagedFile(), 'utf8').trim() : null });
      return flush(path, fs);
    });
    return flushes;
  }

  test('generates the new key into master.key (0600): the same secrets under it, none under the old one', async () => {
    const ids = await withRuntime(async (runtime) => [await hmacKey(runtime), await hmacKey(runtime)]);
    const oldKey = readKey();
    const before = await withRuntime((runtime) => secretsOf(runtime, ids));
    const rotated = await signet(env(), 'master-key', 'rotate', '--json');
    expect([rotated.code, JSON.parse(rotated.stdout)]).toEqual([0, { rotated: true, masterKey: `${dataDir}/master.key`, resealed: 2 }]);
    expect(rotated.stderr).toContain('start the server (it reads the new master.key)');
    const nextKey = readKey();
    expect(nextKey).not.toBe(oldKey);
    expect(Buffer.from(nextKey, 'base64')).toHaveLength(32);
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(existsSync(stagedFile())).toBe(false);
    expect(rotated.stdout + rotated.stderr).not.toContain(nextKey);
    await withRuntime(async (runtime) => {
      expect(await secretsOf(runtime, ids)).toEqual(before);
      for (const [id, ciphertext] of await sealedSecrets(runtime)) {
        expect(() => createSecretBox(Buffer.from(oldKey, 'base64')).open(ciphertext, id)).toThrow();
      }
    });
  });

  test('the database\'s files are flushed to disk before master.key names the new key (PGlite runs with fsync=off): an OS crash cannot keep the key and lose the commit', async () => {
    const id = await withRuntime(hmacKey);
    const oldKey = readKey();
    const before = await withRuntime((runtime) => secretsOf(runtime, [id]));
    const flushes = recordFlushes();
    const rotated = await withRuntime((runtime) => runtime.rotateMasterKey());
    expect(rotated).toEqual({ kind: 'rotated', resealed: 1, left: [], newKey: 'master.key' });
    const nextKey = readKey();
    expect(nextKey).not.toBe(oldKey);
    expect(flushes).toEqual([{ path: join(realpathSync(dataDir), 'pgdata'), masterKey: oldKey, staged: nextKey }]);
    await withRuntime(async (runtime) => expect(await secretsOf(runtime, [id])).toEqual(before));
  });

  test('given the database\'s CHECKPOINT, it runs after the commit and before the flush and the rename', async () => {
    const id = await withRuntime(hmacKey);
    const oldKey = readKey();
    const before = await withRuntime((runtime) => secretsOf(runtime, [id]));
    const events: string[] = [];
    const dir = openPgliteDataDir(dataDir, { flushPgdata: (path) => { events.push(`flush (master.key ${readKey() === oldKey ? 'old' : 'new'})`); fsyncTreeModule.fsyncTree(path); } });
    const driver = await createPgliteDriver(dir.pgdataPath, { vacuum: null });
    try {
      const { uow } = createSqlStores(driver);
      const rotated = await rotateConfiguredMasterKey({
        masterKey: null, newMasterKey: null, dataDir: dir, uow,
        checkpoint: async () => {
          const check = await uow.repo.readMasterKeyCheck();
          events.push(`checkpoint (committed: ${check !== null && opensMasterKeyCheck(createSecretBox(dir.stagedMasterKey!), check)}; master.key ${readKey() === oldKey ? 'old' : 'new'})`);
          await driver.query('CHECKPOINT');
        },
      });
      expect(rotated).toEqual({ kind: 'rotated', resealed: 1, left: [], newKey: 'master.key' });
    } finally {
      await driver.close();
      dir.release();
    }
    expect(events).toEqual(['checkpoint (committed: true; master.key old)', 'flush (master.key old)']);
    expect(readKey()).not.toBe(oldKey);
    await withRuntime(async (runtime) => expect(await secretsOf(runtime, [id])).toEqual(before));
  });

  test('refused (a live secret the key does not open): master.key unchanged, the staged key removed', async () => {
    const id = await withRuntime(hmacKey);
    const oldKey = readKey();
    await withRuntime((runtime) => runtime.services.uow.transaction((repo) => repo.replaceSealedSecret(id, createSecretBox(randomBytes(32)).seal(randomBytes(32), id))));
    const refused = await signet(env(), 'master-key', 'rotate');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`does not open the secrets of these live HMAC keys: ${id}`);
    expect(readKey()).toBe(oldKey);
    expect(existsSync(stagedFile())).toBe(false);
  });

  test('a crash before the commit (master.key.next written, the database unchanged): the next open removes it and keeps master.key', async () => {
    const id = await withRuntime(hmacKey);
    const oldKey = readKey();
    writeFileSync(stagedFile(), newKey() + '\n', { mode: 0o600 });
    const log = captureLogger('warn');
    await withRuntime(async (runtime) => expect(await secretsOf(runtime, [id])).toEqual([expect.any(String)]), log.logger);
    expect(log.text()).toContain('a master key rotation stopped before its commit');
    expect(existsSync(stagedFile())).toBe(false);
    expect(readKey()).toBe(oldKey);
  });

  test('a crash after the commit (the database names master.key.next, master.key still the old key): the next open moves it into place', async () => {
    const id = await withRuntime(hmacKey);
    const oldKey = readKey();
    const before = await withRuntime((runtime) => secretsOf(runtime, [id]));
    const nextKey = newKey();
    // The state on disk at that point: the rotation committed, the staged file beside master.key, no rename.
    const committed = await withRuntime((runtime) => rotateMasterKey(runtime.services.uow, createSecretBox(Buffer.from(oldKey, 'base64')), createSecretBox(Buffer.from(nextKey, 'base64'))));
    expect(committed).toEqual({ kind: 'rotated', resealed: 1, left: [] });
    writeFileSync(stagedFile(), nextKey + '\n', { mode: 0o600 });
    expect(readKey()).toBe(oldKey);
    const log = captureLogger('warn');
    const flushes = recordFlushes();
    await withRuntime(async (runtime) => expect(await secretsOf(runtime, [id])).toEqual(before), log.logger);
    expect(log.text()).toContain('a master key rotation stopped after its commit: master.key is now the new key');
    // The commit the open found may be only in the OS's cache (the process died before flushing it).
    expect(flushes).toEqual([{ path: join(realpathSync(dataDir), 'pgdata'), masterKey: oldKey, staged: nextKey }]);
    expect(readKey()).toBe(nextKey);
    expect(existsSync(stagedFile())).toBe(false);
  });

  test('a staged file torn by a crash while it was written is removed at open', async () => {
    await withRuntime(hmacKey);
    const oldKey = readKey();
    writeFileSync(stagedFile(), 'AAAA', { mode: 0o600 });
    await withRuntime(async () => undefined);
    expect(existsSync(stagedFile())).toBe(false);
    expect(readKey()).toBe(oldKey);
  });
});

defineRotationSuite('PGlite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signet-rotate-env-'));
  return { env: { SIGNET_DATA_DIR: dataDir }, dispose: async () => rmSync(dataDir, { recursive: true, force: true }) };
});

describeWithPostgres('on PostgreSQL', (url) => {
  defineRotationSuite('PostgreSQL', async () => {
    const scratch = await openScratchSchema(url);
    return { env: { DATABASE_URL: scratch.url }, dispose: () => scratch.drop() };
  });

  describe('signet master-key rotate beside running servers (PostgreSQL)', () => {
    jest.setTimeout(90_000);
    let scratch: ScratchSchema;
    beforeEach(async () => {
      scratch = await openScratchSchema(url);
    });
    afterEach(async () => scratch.drop());

    test('refused while a server holds the database (a server with Redis: the shared lock), and nothing changed; it runs once none does', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const env = { DATABASE_URL: scratch.url, SIGNET_MASTER_KEY: oldKey };
      expect((await signet(env, 'accounts', 'create', '--name', 'dave')).code).toBe(0);
      expect((await signet(env, 'keys', 'create', '--account', 'dave', '--scopes', 'read', '--alg', 'hmac-sha256')).code).toBe(0);
      const server = await acquireSingleProcessLock(scratch.url, { mode: 'shared', onLost: () => undefined });
      let released = false;
      try {
        const refused = await signet({ ...env, SIGNET_NEW_MASTER_KEY: nextKey }, 'master-key', 'rotate');
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain('Signet servers are running on this PostgreSQL database: stop every one of them first');
        // Nothing changed: the old key still opens the database (a start refuses a key that is not its own).
        await expect(openRuntime(parseConfig({ ...env }), silentLogger).then((r) => r.close())).resolves.toBeUndefined();
        await server.release();
        released = true;
        const rotated = await signet({ ...env, SIGNET_NEW_MASTER_KEY: nextKey }, 'master-key', 'rotate', '--json');
        expect(JSON.parse(rotated.stdout)).toEqual({ rotated: true, masterKey: 'SIGNET_NEW_MASTER_KEY', resealed: 1 });
      } finally {
        if (!released) await server.release();
      }
    });
  });
});
