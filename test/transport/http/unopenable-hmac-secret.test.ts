import { randomBytes } from 'node:crypto';
import { createSecretBox, recordMasterKey } from '../../../src/domain';
import { createSqlStores } from '../../../src/stores/postgres';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/**
 * HMAC keys whose sealed secret the server's master key does not open: a revoked key sealed under
 * an earlier master key (a regenerated master.key, revoked secrets a rotation left), or a live one
 * start-up warned about. Their requests are refused as an unknown key's are: 401 SIGNATURE_INVALID,
 * counted by the failed-signature guard. They were 503 SERVICE_UNAVAILABLE "retryable", with an
 * error log line per request and no guard count, and that told revoked keys from unknown ones.
 * Unless the server's own key is no longer the database's (another one adopted after it started):
 * then no secret sealed since opens, the fault is the server's, and it stays a 503, not counted.
 */
describe('HMAC keys whose secret this master key does not open', () => {
  let db: TestDatabase;
  let server: RunningSignet;
  let revoked: TestKey;
  let live: TestKey;
  let liveToo: TestKey;
  const serverKey = randomBytes(32);
  const unknown = (): TestKey => ({ ...live, keyId: `key_${randomBytes(12).toString('hex')}` });

  beforeAll(async () => {
    db = await openPgliteDatabase();
    // The keys are made under one master key; the server runs with another.
    const before = servicesFor(db.driver, { masterKey: randomBytes(32) });
    const accountId = await fundedAccount(before, { USD: '10' }, 'unopenable');
    revoked = await createTestKey(before, accountId, 'hmac-sha256');
    live = await createTestKey(before, accountId, 'hmac-sha256');
    liveToo = await createTestKey(before, accountId, 'hmac-sha256');
    expect((await before.apiKeys.revokeApiKey(accountId, revoked.keyId)).ok).toBe(true);
    // The server's key is the database's (as after a lost master.key generated again); the keys'
    // secrets were sealed under the one before.
    expect(await recordMasterKey(createSqlStores(db.driver).uow, createSecretBox(serverKey), 'replace')).toBe(true);
    server = await startSignet(servicesFor(db.driver, { masterKey: serverKey }), memoryStores(), {
      authFailureLimits: { perIp: { max: 3, windowMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test.each([
    ['a revoked key', () => revoked, '127.0.1.1'],
    ['a live key', () => live, '127.0.1.2'],
    ['an unknown key (the reference)', unknown, '127.0.1.3'],
  ])('%s: 401 SIGNATURE_INVALID, counted as a failed signature', async (_label, key, from) => {
    // Each case from an address of its own: its first failure leaves 2 of the guard's 3.
    const answer = await signedRequest(server, key(), { query: '{ me { id } }' }, { from });
    expect([answer.status, answer.json.errors[0].extensions]).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' })]);
    expect(answer.headers.get('ratelimit')).toContain('"Request.failedSignatures";r=2');
  });

  test('once the database names another master key than the server\'s: 503 SERVICE_UNAVAILABLE, not counted against the client', async () => {
    // Adopted after the server started (signet master-key adopt, or a rotation this process missed):
    // none of its HMAC keys' secrets can open here, whoever signs.
    expect(await recordMasterKey(createSqlStores(db.driver).uow, createSecretBox(randomBytes(32)), 'replace')).toBe(true);
    for (let i = 0; i < 4; i += 1) {
      const answer = await signedRequest(server, liveToo, { query: '{ me { id } }' }, { from: '127.0.1.4' });
      expect([answer.status, answer.json.errors[0].extensions.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      expect(answer.headers.get('ratelimit') ?? '').not.toContain('Request.failedSignatures');
    }
  });
});
