/**
 * A task after the commit of a keyed mutation that fails (revokeApiKey renews the key's shared
 * version once its revocation committed; Redis may time out right then) must not be answered as
 * a rollback: the revocation and its idempotency record are committed, so the call answers the
 * revocation, caches it, and a retry replays it without running the resolver again. Before, the
 * runner's rejection read as "rolled back": the client heard SERVICE_UNAVAILABLE ("nothing was
 * executed"), the lease was released and nothing cached, and the retry ran the resolver again.
 */
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryKeyVersionStore, type DomainServices, type KeyVersionStore } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestGraphQL, principalFor, type TestGraphQL } from '../../helpers/graphql';

const REVOKE = 'mutation($id: ID!, $key: String) { revokeApiKey(id: $id) @idempotent(key: $key) { apiKey { id revokedAt } userErrors { code } } }';

describe('@idempotent: a task after the commit fails', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let api: TestGraphQL;
  /** Each renewal of the key versions: 'renewed', or 'failed' for the one numbered `failAt` (Redis timing out). */
  const renewals: string[] = [];
  let failAt = 0;
  const versions = createMemoryKeyVersionStore();
  const flaky: KeyVersionStore = {
    peek: (keyId) => versions.peek(keyId),
    current: (keyId) => versions.current(keyId),
    async renew(keyId) {
      const failing = renewals.length + 1 === failAt;
      renewals.push(failing ? 'failed' : 'renewed');
      if (failing) throw new Error('Command timed out');
      await versions.renew(keyId);
    },
  };

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver, { keyVersions: flaky });
    api = await createTestGraphQL(services, { directives: directiveDepsFor(services, { idempotency: createMemoryIdempotencyStore({ completeSinceMs: 0 }) }) });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await db?.close();
  });

  test('the committed revocation is answered and cached; its retry replays it without running again', async () => {
    const accountId = await fundedAccount(services);
    const created = await services.apiKeys.createApiKey(accountId, { label: 'to revoke', scopes: ['READ'], algorithm: 'ed25519' });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const keyId = created.value.apiKey.id;
    // Counts the resolver's runs through the service it calls.
    const revoke = services.apiKeys.revokeApiKey.bind(services.apiKeys);
    let runs = 0;
    services.apiKeys.revokeApiKey = async (...args) => {
      runs += 1;
      return revoke(...args);
    };
    // The renewal before the UPDATE goes through; the one after the commit times out.
    renewals.length = 0;
    failAt = 2;

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
});
