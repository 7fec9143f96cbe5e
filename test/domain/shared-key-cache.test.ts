/**
 * The API key service over PostgreSQL with shared key versions (as two processes would share
 * Redis): what a revocation does to other instances' cached material, down to a load that races
 * the revocation's commit.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryKeyVersionStore, type DomainServices, type KeyVersionStore } from '../../src/domain';
import { openPostgresDatabase, type TestDatabase } from '../helpers/database';
import { fundedAccount, servicesFor } from '../helpers/domain';
import { describeWithPostgres } from '../helpers/services';
import { createTestKey } from '../helpers/signet-server';

describeWithPostgres('API key service with shared key versions (PostgreSQL)', (url) => {
  let db: TestDatabase;
  let versions: KeyVersionStore;
  let a: DomainServices;
  let b: DomainServices;
  beforeAll(async () => {
    db = await openPostgresDatabase(url);
    versions = createMemoryKeyVersionStore();
    const masterKey = randomBytes(32);
    a = servicesFor(db.driver, { keyVersions: versions, masterKey });
    b = servicesFor(db.driver, { keyVersions: versions, masterKey });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  test('material carries the version it was loaded under; a revocation elsewhere makes it stale', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    const before = await b.apiKeys.loadVerificationMaterial(key.keyId);
    expect(before?.version).toBe(await versions.current(key.keyId));
    expect((await a.apiKeys.revokeApiKey(key.accountId, key.keyId)).ok).toBe(true);
    const current = await versions.current(key.keyId);
    expect(current).not.toBe(before?.version);
    // B's cache still answers the stale entry (no round trip): the admission's check is what refuses it.
    expect((await b.apiKeys.loadVerificationMaterial(key.keyId))?.version).toBe(before?.version);
    const reloaded = await b.apiKeys.reloadVerificationMaterial(key.keyId, current);
    expect(reloaded).toMatchObject({ version: current, apiKey: { revokedAt: expect.any(Date) } });
  });

  test('a load that read the row before the revocation committed (inside an outer transaction) is stale once the outer call returns', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    let raced: Awaited<ReturnType<DomainServices['apiKeys']['loadVerificationMaterial']>> = null;
    // As under @idempotent: the revocation's UPDATE joins an outer transaction that commits later.
    await a.uow.transaction(async () => {
      expect((await a.apiKeys.revokeApiKey(key.accountId, key.keyId)).ok).toBe(true);
      // Another instance loads now: after the first renewal, before the commit: the row is not revoked yet.
      raced = await b.apiKeys.loadVerificationMaterial(key.keyId);
      expect(raced?.apiKey.revokedAt).toBeNull();
    }, { nested: 'join' });
    // Renewed again after the commit: the raced entry's version is no longer current.
    expect(await versions.current(key.keyId)).not.toBe((raced as { version?: string } | null)?.version);
  });

  test('the store unreachable before the UPDATE: nothing is revoked and the call rejects', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    const down: KeyVersionStore = { current: async () => { throw new Error('redis down'); }, renew: async () => { throw new Error('redis down'); } };
    const broken = servicesFor(db.driver, { keyVersions: down });
    await expect(broken.apiKeys.revokeApiKey(key.accountId, key.keyId)).rejects.toThrow('redis down');
    expect((await a.apiKeys.listApiKeys(key.accountId)).find((k) => k.id === key.keyId)?.revokedAt).toBeNull();
  });

  test('the store unreachable after the commit: the call rejects; retried, it answers ALREADY_REVOKED only after renewing', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    const loaded = await b.apiKeys.loadVerificationMaterial(key.keyId);
    let renewals = 0;
    const flaky: KeyVersionStore = {
      current: (id) => versions.current(id),
      renew: async (id) => {
        renewals += 1;
        if (renewals === 2) throw new Error('redis down');
        await versions.renew(id);
      },
    };
    const c = servicesFor(db.driver, { keyVersions: flaky });
    await expect(c.apiKeys.revokeApiKey(key.accountId, key.keyId)).rejects.toThrow('redis down');
    const afterFirst = await versions.current(key.keyId);
    expect(afterFirst).not.toBe(loaded?.version);
    const retried = await c.apiKeys.revokeApiKey(key.accountId, key.keyId);
    expect(retried).toMatchObject({ ok: false, errors: [{ code: 'API_KEY_ALREADY_REVOKED' }] });
    expect(renewals).toBe(4);
    expect(await versions.current(key.keyId)).not.toBe(afterFirst);
  });
});
