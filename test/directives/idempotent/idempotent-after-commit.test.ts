/**
 * revokeApiKey renews the key's shared version before its UPDATE and again once its revocation
 * committed (an after-commit task); Redis may time out on either. A failure after the commit must
 * not be answered as a rollback: the revocation (and, keyed, its idempotency record) committed,
 * so the call answers the revocation and a keyed one caches it, and its retry replays it without
 * running again. Before, the client heard SERVICE_UNAVAILABLE ("nothing was executed"), keyed or
 * not, and a keyed retry ran the resolver again. A failure before the commit is a rollback, and
 * must be answered as one even when the failing error object is one an earlier call saw after its
 * own commit (ioredis rejects every waiting command with one shared error when a connection drops).
 */
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryKeyVersionStore, type DomainServices, type KeyVersionStore } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestGraphQL, principalFor, type TestGraphQL } from '../../helpers/graphql';

const REVOKE = 'mutation($id: ID!, $key: String) { revokeApiKey(id: $id) @idempotent(key: $key) { apiKey { id revokedAt } userErrors { code } } }';
const REVOKE_UNKEYED = 'mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id revokedAt } userErrors { code } } }';

describe('revokeApiKey when the renewal of the key version fails', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let api: TestGraphQL;
  /** Each renewal: 'renewed', or 'failed' when `failures` holds an error for its number (Redis timing out). */
  const renewals: string[] = [];
  const failures = new Map<number, Error>();
  const versions = createMemoryKeyVersionStore();
  const flaky: KeyVersionStore = {
    peek: (keyId) => versions.peek(keyId),
    current: (keyId) => versions.current(keyId),
    async renew(keyId) {
      const failure = failures.get(renewals.length + 1);
      renewals.push(failure ? 'failed' : 'renewed');
      if (failure) throw failure;
      await versions.renew(keyId);
    },
  };
  let runs = 0;
  /** A fresh account with a READ key to revoke, and the renewal log emptied. */
  const keyToRevoke = async () => {
    const accountId = await fundedAccount(services);
    const created = await services.apiKeys.createApiKey(accountId, { label: 'to revoke', scopes: ['READ'], algorithm: 'ed25519' });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    renewals.length = 0;
    failures.clear();
    runs = 0;
    return { accountId, keyId: created.value.apiKey.id };
  };

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver, { keyVersions: flaky });
    // Counts the resolver's runs through the service it calls.
    const revoke = services.apiKeys.revokeApiKey.bind(services.apiKeys);
    services.apiKeys.revokeApiKey = async (...args) => {
      runs += 1;
      return revoke(...args);
    };
    api = await createTestGraphQL(services, { directives: directiveDepsFor(services, { idempotency: createMemoryIdempotencyStore({ completeSinceMs: 0 }) }) });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await db?.close();
  });

  test('after the commit, keyed: the revocation is answered and cached; its retry replays it without running again', async () => {
    const { accountId, keyId } = await keyToRevoke();
    failures.set(2, new Error('Command timed out')); // the renewal before the UPDATE goes through; the one after the commit times out

    const first = await api.execute<any, Record<string, unknown>>(REVOKE, { id: keyId, key: 'revoke-1' }, principalFor(accountId));
    expect(renewals).toEqual(['renewed', 'failed']);
    expect(first.errors).toBeUndefined();
    expect(first.data.revokeApiKey).toEqual({ apiKey: { id: keyId, revokedAt: expect.any(String) }, userErrors: [] });
    expect(await services.uow.repo.findApiKey(keyId)).toMatchObject({ revokedAt: expect.any(Date) });

    const retry = await api.execute<any, Record<string, unknown>>(REVOKE, { id: keyId, key: 'revoke-1' }, principalFor(accountId));
    expect(retry.errors).toBeUndefined();
    expect(retry.data.revokeApiKey).toEqual(first.data.revokeApiKey);
    expect(retry.extensions?.idempotentReplay).toEqual({ revokeApiKey: true });
    // Replayed from the cached outcome: the resolver did not run again, nothing else was renewed.
    expect(runs).toBe(1);
    expect(renewals).toEqual(['renewed', 'failed']);
  });

  test('after the commit, unkeyed: the revocation is answered as done', async () => {
    const { accountId, keyId } = await keyToRevoke();
    failures.set(2, new Error('Command timed out'));
    const answer = await api.execute<any, Record<string, unknown>>(REVOKE_UNKEYED, { id: keyId }, principalFor(accountId));
    expect(renewals).toEqual(['renewed', 'failed']);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.revokeApiKey).toEqual({ apiKey: { id: keyId, revokedAt: expect.any(String) }, userErrors: [] });
  });

  test('before the commit, with the error object an earlier call saw after its commit: a rollback, answered as one, never with the earlier call\'s result', async () => {
    const shared = new Error('Connection is closed.');
    const alice = await keyToRevoke();
    failures.set(2, shared);
    const aliceAnswer = await api.execute<any, Record<string, unknown>>(REVOKE, { id: alice.keyId, key: 'shared-a' }, principalFor(alice.accountId));
    expect(aliceAnswer.data.revokeApiKey.apiKey.id).toBe(alice.keyId);

    const bob = await keyToRevoke();
    failures.set(1, shared); // Bob's renewal before his UPDATE, inside his keyed call's transaction
    const bobAnswer = await api.execute<any, Record<string, unknown>>(REVOKE, { id: bob.keyId, key: 'shared-b' }, principalFor(bob.accountId));
    expect(bobAnswer.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(bobAnswer.data?.revokeApiKey ?? null).toBeNull();
    expect(await services.uow.repo.findApiKey(bob.keyId)).toMatchObject({ revokedAt: null });
  });
});
