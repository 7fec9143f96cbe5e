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
  const masterKey = randomBytes(32);
  beforeAll(async () => {
    db = await openPostgresDatabase(url);
    versions = createMemoryKeyVersionStore();
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

  test('an unknown key id, loaded again and again, gets no version', async () => {
    const guessed = `key_${randomBytes(12).toString('hex')}`;
    for (let i = 0; i < 3; i++) expect(await b.apiKeys.loadVerificationMaterial(guessed)).toBeNull();
    expect(await versions.peek(guessed)).toBeNull();
  });

  /** Services over `versions` whose miss, once it found the key's row live and no version, runs `beforeCreate` first. */
  const racingAtCreation = (keyId: string, beforeCreate: () => Promise<void>) => {
    let ran = false;
    const racing: KeyVersionStore = {
      peek: (id) => versions.peek(id),
      current: async (id) => {
        if (id === keyId && !ran) {
          ran = true;
          await beforeCreate();
        }
        return versions.current(id);
      },
      renew: (id) => versions.renew(id),
    };
    return { services: servicesFor(db.driver, { keyVersions: racing, masterKey }), ran: () => ran };
  };

  test('a revocation committed between a miss\'s first row read and its version creation: the material it answers says revoked', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    expect(await versions.peek(key.keyId)).toBeNull();
    const c = racingAtCreation(key.keyId, async () => {
      expect((await a.apiKeys.revokeApiKey(key.accountId, key.keyId)).ok).toBe(true);
    });
    const material = await c.services.apiKeys.loadVerificationMaterial(key.keyId);
    expect(c.ran()).toBe(true);
    expect(material).toMatchObject({ apiKey: { revokedAt: expect.any(Date) }, version: await versions.peek(key.keyId) });
  });

  test('a revocation whose UPDATE (in an outer transaction) precedes a miss\'s version creation and commits after its second row read: the entry is stale', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    let updated!: () => void;
    let release!: () => void;
    const updateDone = new Promise<void>((resolve) => { updated = resolve; });
    const released = new Promise<void>((resolve) => { release = resolve; });
    let outer: Promise<void> = Promise.resolve();
    const c = racingAtCreation(key.keyId, async () => {
      // As under @idempotent: the revocation's UPDATE joins an outer transaction that commits later.
      outer = a.uow.transaction(async () => {
        expect((await a.apiKeys.revokeApiKey(key.accountId, key.keyId)).ok).toBe(true);
        updated();
        await released;
      }, { nested: 'join' });
      await updateDone;
    });
    const raced = await c.services.apiKeys.loadVerificationMaterial(key.keyId);
    expect(c.ran()).toBe(true);
    // Both row reads ran before the commit: the material is live, stamped with the version current then.
    expect(raced?.apiKey.revokedAt).toBeNull();
    expect(raced?.version).toBe(await versions.peek(key.keyId));
    release();
    await outer;
    // Renewed after the commit: the admission finds the stamp stale and reads the revoked row.
    expect(await versions.peek(key.keyId)).not.toBe(raced?.version);
    expect(await c.services.apiKeys.reloadVerificationMaterial(key.keyId, (await versions.peek(key.keyId)) as string)).toMatchObject({ apiKey: { revokedAt: expect.any(Date) } });
  });

  test('revoking another account\'s key is NOT_FOUND and touches nothing of it: its version stays, cached material stays current', async () => {
    const victim = await createTestKey(a, await fundedAccount(a));
    const loaded = await b.apiKeys.loadVerificationMaterial(victim.keyId);
    const stranger = await fundedAccount(a);
    expect(await a.apiKeys.revokeApiKey(stranger, victim.keyId)).toMatchObject({ ok: false, errors: [{ code: 'API_KEY_NOT_FOUND' }] });
    expect(await versions.peek(victim.keyId)).toBe(loaded?.version);
    expect((await a.apiKeys.listApiKeys(victim.accountId)).find((k) => k.id === victim.keyId)?.revokedAt).toBeNull();
  });

  test('the store unreachable before the UPDATE: nothing is revoked and the call rejects', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    const down: KeyVersionStore = { peek: async () => { throw new Error('redis down'); }, current: async () => { throw new Error('redis down'); }, renew: async () => { throw new Error('redis down'); } };
    const broken = servicesFor(db.driver, { keyVersions: down });
    await expect(broken.apiKeys.revokeApiKey(key.accountId, key.keyId)).rejects.toThrow('redis down');
    expect((await a.apiKeys.listApiKeys(key.accountId)).find((k) => k.id === key.keyId)?.revokedAt).toBeNull();
  });

  test('the store unreachable after the commit: the revocation answers done and the failure is reported; revoked again, it answers ALREADY_REVOKED only after renewing', async () => {
    const key = await createTestKey(a, await fundedAccount(a));
    const loaded = await b.apiKeys.loadVerificationMaterial(key.keyId);
    let renewals = 0;
    const flaky: KeyVersionStore = {
      peek: (id) => versions.peek(id),
      current: (id) => versions.current(id),
      renew: async (id) => {
        renewals += 1;
        if (renewals === 2) throw new Error('redis down');
        await versions.renew(id);
      },
    };
    const reported: unknown[] = [];
    const c = servicesFor(db.driver, { keyVersions: flaky, onAfterCommitFailure: (error) => reported.push(error) });
    expect(await c.apiKeys.revokeApiKey(key.accountId, key.keyId)).toMatchObject({ ok: true, value: { id: key.keyId, revokedAt: expect.any(Date) } });
    expect(reported).toEqual([new Error('redis down')]);
    const afterFirst = await versions.current(key.keyId);
    expect(afterFirst).not.toBe(loaded?.version);
    const retried = await c.apiKeys.revokeApiKey(key.accountId, key.keyId);
    expect(retried).toMatchObject({ ok: false, errors: [{ code: 'API_KEY_ALREADY_REVOKED' }] });
    expect(renewals).toBe(4);
    expect(await versions.current(key.keyId)).not.toBe(afterFirst);
  });
});
