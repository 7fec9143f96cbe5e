import { randomBytes } from 'node:crypto';
import { adoptMasterKey, createSecretBox, recordMasterKey, rotateMasterKey } from '../../../src/domain';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { describeWithPostgres } from '../../helpers/services';

/**
 * The database's master key check is set once, by the first start with a key: processes that start
 * together with different keys find one winner (the others are then refused by the runtime), and
 * only `replace` (adopting a key on purpose) changes it.
 */
function defineMasterKeyCheckSuite(name: string, openDatabase: () => Promise<TestDatabase>) {
  describe(`the master key check (${name})`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await openDatabase();
    });
    afterEach(async () => db?.close());

    test('the first key sets it; another key finds it set; replacing it makes the other key the database\'s', async () => {
      const { uow } = servicesFor(db.driver);
      const [first, second] = [createSecretBox(randomBytes(32)), createSecretBox(randomBytes(32))];
      expect(await uow.repo.readMasterKeyCheck()).toBeNull();
      expect(await recordMasterKey(uow, first, 'if absent')).toBe(true);
      expect(await recordMasterKey(uow, second, 'if absent')).toBe(false);
      expect(await recordMasterKey(uow, first, 'if absent')).toBe(true);
      expect(await recordMasterKey(uow, second, 'replace')).toBe(true);
      expect(await recordMasterKey(uow, first, 'if absent')).toBe(false);
    });

    test('eight starts at once with eight keys: exactly one key is the database\'s', async () => {
      const { uow } = servicesFor(db.driver);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => recordMasterKey(uow, createSecretBox(randomBytes(32)), 'if absent')));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });
  });
}

defineMasterKeyCheckSuite('PGlite', openPgliteDatabase);

/**
 * An HMAC key's secret sealed in a transaction left open (a server's key creation in progress,
 * holding the master key check FOR SHARE) until `release`; `seal` settles once it commits.
 */
async function sealInFlight(services: ReturnType<typeof servicesFor>, accountId: string): Promise<{ sealedId: string; release(): void; seal: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let sealedId = '';
  const seal = services.uow.transaction(async () => {
    const created = await services.apiKeys.createApiKey(accountId, { label: 'bot', scopes: ['READ'], algorithm: 'hmac-sha256' });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    sealedId = created.value.apiKey.id;
    await released;
  });
  while (sealedId === '') await new Promise((resolve) => setTimeout(resolve, 10));
  return { sealedId, release, seal };
}

/**
 * `signet master-key adopt` against a server still running with the old key (PostgreSQL: two
 * connections). A seal in progress holds the check; the adoption waits for it, then finds the
 * secret it sealed under the old key and replaces nothing.
 */
describeWithPostgres('adopting a master key while a seal under the old one is in flight (PostgreSQL)', (url) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPostgresDatabase(url);
  });
  afterAll(async () => db?.close());

  test('the adoption waits for the seal, sees its secret, and replaces nothing', async () => {
    const oldKey = randomBytes(32);
    const running = servicesFor(db.driver, { masterKey: oldKey });
    expect(await recordMasterKey(running.uow, createSecretBox(oldKey), 'if absent')).toBe(true);
    const account = await fundedAccount(running, {}, 'adopt-race');
    const { sealedId, release, seal } = await sealInFlight(running, account);
    const newKey = createSecretBox(randomBytes(32));
    const adoption = adoptMasterKey(servicesFor(db.driver).uow, newKey);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await seal;
    expect(await adoption).toEqual([sealedId]);
    expect(await recordMasterKey(running.uow, createSecretBox(oldKey), 'if absent')).toBe(true);
    // Revoked, the secret no longer stands in the way.
    expect((await running.apiKeys.revokeApiKey(account, sealedId)).ok).toBe(true);
    expect(await adoptMasterKey(running.uow, newKey)).toEqual([]);
    expect(await recordMasterKey(running.uow, newKey, 'if absent')).toBe(true);
  }, 20_000);
});
/**
 * `signet master-key rotate` racing a seal (PostgreSQL: two connections). The rotation locks the
 * check FOR UPDATE: a seal in progress (FOR SHARE) commits first and its secret is re-sealed with
 * the rest; a seal that starts after the rotation waits for its commit, then is refused (its
 * process's key is no longer the database's). No secret is left under the old key.
 */
describeWithPostgres('rotating the master key while seals under the old one are in flight (PostgreSQL)', (url) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPostgresDatabase(url);
  });
  afterAll(async () => db?.close());

  test('the rotation waits for a seal in progress and re-seals its secret; a later seal is refused', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const running = servicesFor(db.driver, { masterKey: oldKey });
    expect(await recordMasterKey(running.uow, createSecretBox(oldKey), 'if absent')).toBe(true);
    const account = await fundedAccount(running, {}, 'rotate-race');
    const { sealedId, release, seal } = await sealInFlight(running, account);
    const rotation = rotateMasterKey(servicesFor(db.driver).uow, createSecretBox(oldKey), createSecretBox(newKey));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await seal;
    expect(await rotation).toEqual({ kind: 'rotated', resealed: 1, left: [] });
    const rotated = servicesFor(db.driver, { masterKey: newKey });
    expect((await rotated.apiKeys.loadVerificationMaterial(sealedId))?.secret).toHaveLength(32);
    expect(await running.apiKeys.loadVerificationMaterial(sealedId).catch(() => null)).toBeNull();
    // A process still on the old key seals nothing now.
    await expect(running.apiKeys.createApiKey(account, { label: 'late', scopes: ['READ'], algorithm: 'hmac-sha256' })).rejects.toThrow(/master key is not the database's/);
    expect(await rotated.uow.transaction((repo) => repo.lockSealedSecrets())).toHaveLength(1);
  }, 20_000);
});
describeWithPostgres('on PostgreSQL', (url) => defineMasterKeyCheckSuite('PostgreSQL', () => openPostgresDatabase(url)));
