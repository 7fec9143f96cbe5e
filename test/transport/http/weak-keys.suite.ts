import { generateKeyPairSync } from 'node:crypto';
import { ALL_SCOPES, MAX_ACTIVE_API_KEYS, newKeyId, type DomainServices } from '../../../src/domain';
import { warnAboutWeakKeys } from '../../../src/transport/cli/weak-key-check';
import type { TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { captureLogger } from '../../helpers/logger';
import { createTestKey, memoryStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const spki = (rawHex: string) => Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(rawHex, 'hex')]).toString('base64');
const IDENTITY = '01'.padEnd(64, '0');
/** R = identity, S = 0: valid for every message under a small-order key. */
const FORGED_SIGNATURE = `sig1=:${Buffer.concat([Buffer.from(IDENTITY, 'hex'), Buffer.alloc(32)]).toString('base64')}:`;
const CREATE_KEY = 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } userErrors { code field } } }';
const TRANSFER = 'mutation($i: CreateTransferInput!) { createTransfer(input: $i) @idempotent(key: "forged-1") { transfer { id } userErrors { code } } }';

/** Weak Ed25519 keys: refused at registration, and a stored one (from before the check) never authenticates. */
export function defineWeakKeySuite(name: string, openDatabase: () => Promise<TestDatabase>): void {
  describe(`weak Ed25519 keys (${name})`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let server: RunningSignet;
    let accountId: string;
    let key: TestKey;
    let weakKeyId: string;
    const log = captureLogger();

    beforeAll(async () => {
      db = await openDatabase();
      services = servicesFor(db.driver);
      server = await startSignet(services, memoryStores(), { logger: log.logger });
      accountId = await fundedAccount(services, { USD: '1000' }, 'weak');
      key = await createTestKey(services, accountId, 'ed25519');
      // A key stored before registration checked keys: written straight to the repository.
      weakKeyId = newKeyId();
      await services.uow.repo.insertApiKey({
        id: weakKeyId, accountId, label: 'legacy', scopes: ALL_SCOPES, algorithm: 'ed25519', publicKey: spki(IDENTITY),
        secretCiphertext: null, createdAt: new Date(), lastUsedAt: null, revokedAt: null, createdByApiKeyId: null, revokedByApiKeyId: null,
      }, MAX_ACTIVE_API_KEYS);
    });
    afterAll(async () => {
      await server?.close();
      await db?.close();
    });

    test('registering the identity point as a public key is refused with INVALID_PUBLIC_KEY', async () => {
      const res = await signedRequest(server, key, { query: CREATE_KEY, variables: { i: { label: 'attacker', scopes: ['READ'], publicKey: spki(IDENTITY) } } });
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.createApiKey).toEqual({ apiKey: null, userErrors: [{ code: 'INVALID_PUBLIC_KEY', field: ['input', 'publicKey'] }] });
    });

    test.each([
      ['an order-8 point', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
      ['the identity spelled with y = p + 1', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
      ['the identity spelled as negative zero', '0100000000000000000000000000000000000000000000000000000000000080'],
    ])('registering %s is refused too', async (_name, raw) => {
      const created = await services.apiKeys.createApiKey(accountId, { label: 'weak', scopes: ['READ'], algorithm: 'ed25519', publicKey: spki(raw) });
      expect(created).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'INVALID_PUBLIC_KEY' })] });
    });

    test('an ordinary client public key is still accepted', async () => {
      const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const created = await services.apiKeys.createApiKey(accountId, { label: 'mine', scopes: ['READ'], algorithm: 'ed25519', publicKey });
      expect(created.ok).toBe(true);
    });

    test('a stored weak key never authenticates: the forged R = identity, S = 0 request is 401 SIGNATURE_INVALID and moves nothing', async () => {
      const other = await fundedAccount(services, {}, 'victim-to');
      const res = await signedRequest(server, { ...key, keyId: weakKeyId }, { query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '500' } } }, { headers: { signature: FORGED_SIGNATURE } });
      expect(res.status).toBe(401);
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
      expect((await services.accounts.listBalances(other)).find((b) => b.asset === 'USD')?.available).toBe('0');
      expect(await services.apiKeys.loadVerificationMaterial(weakKeyId)).toBeNull();
    });

    test('start-up lists each weak stored key at warn, by key id and problem only', async () => {
      const startup = captureLogger();
      expect(await warnAboutWeakKeys(services, startup.logger)).toBe(1);
      const lines = startup.lines();
      expect(lines).toEqual([expect.objectContaining({ level: 40, event: 'weak_api_key', keyId: weakKeyId, problem: 'small-order' })]);
      expect(startup.text()).not.toContain(spki(IDENTITY));
      // Once revoked it is no longer reported.
      expect((await services.apiKeys.revokeApiKey(accountId, weakKeyId)).ok).toBe(true);
      expect(await warnAboutWeakKeys(services, captureLogger().logger)).toBe(0);
    });
  });
}
