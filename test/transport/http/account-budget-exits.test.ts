import type { DomainServices } from '../../../src/domain';
import { REQUEST_LIMITS } from '../../../src/transport/http/request-limits';
import type { TestDatabase } from '../../helpers/database';
import { createTestKey, memoryStores, openSigningAccount, redisStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';
import { describeWithRedis } from '../../helpers/services';
import type { SecurityStores } from '../../../src/transport/security-stores';

/**
 * An account's request budget is shared by all its keys. A key that spends it (a leaked READ key
 * from a few addresses, or the owner's own runaway bot) must not stop the owner from getting out:
 * revoking that key and taking orders off the book. Operations of exits only (cancelOrder,
 * cancelAllOrders, revokeApiKey) are neither refused nor counted by the account's budget; their
 * field limits, the address's limit and their key's exit budget bound them. Anything else, alone or beside an exit, is.
 */
function defineExitSuite(name: string, openStores: () => SecurityStores) {
  describe(`exits pass an account's spent request budget (${name})`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let accountId: string;
    let owner: TestKey;
    let server: RunningSignet;
    beforeAll(async () => {
      ({ db, services, accountId, key: owner } = await openSigningAccount({ USD: '10000' }, 'exits'));
      server = await startSignet(services, openStores(), {
        requestLimits: { ...REQUEST_LIMITS, perIp: { max: 1000, windowMs: 60_000 }, perAccount: { max: 5, windowMs: 60_000 } },
      });
    });
    afterAll(async () => {
      await server?.close();
      await db?.close();
    });

    test('a READ key spends the budget; the owner still revokes it and cancels, but places nothing', async () => {
      const placed = await signedRequest(server, owner, { query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } } }' }, { headers: { 'idempotency-key': 'exits-1' } });
      const orderId = placed.json.data.placeOrder.order.id as string;
      const leaked = await createTestKey(services, accountId, 'ed25519', ['READ']);
      const spent: number[] = [];
      for (let i = 0; i < 6; i += 1) spent.push((await signedRequest(server, leaked, { query: '{ me { id } }' }, { from: '127.0.0.2' })).status);
      expect(spent.at(-1)).toBe(429);

      const place = await signedRequest(server, owner, { query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } } }' }, { headers: { 'idempotency-key': 'exits-2' } });
      expect([place.status, place.json.errors[0].extensions.code]).toEqual([429, 'RATE_LIMITED']);
      const mixed = await signedRequest(server, owner, { query: `mutation { cancelOrder(id: "${orderId}") { order { status } } placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } } }` });
      expect(mixed.status).toBe(429);

      const revoked = await signedRequest(server, owner, { query: `mutation { revokeApiKey(id: "${leaked.keyId}") { apiKey { revokedAt } userErrors { code } } }` });
      expect(revoked.status).toBe(200);
      expect(revoked.json.data.revokeApiKey.apiKey.revokedAt).toEqual(expect.any(String));
      expect(revoked.headers.get('ratelimit') ?? '').not.toContain('Request.account');
      const canceled = await signedRequest(server, owner, { query: 'mutation { cancelAllOrders { orders { id status } userErrors { code } } }' });
      expect(canceled.status).toBe(200);
      expect(canceled.json.data.cancelAllOrders.orders).toEqual([{ id: orderId, status: 'CANCELED' }]);
      expect((await signedRequest(server, leaked, { query: '{ me { id } }' }, { from: '127.0.0.2' })).status).toBe(401);
    });

    test('a leaked key that spends the exits\' field limits does not spend its owner\'s: they count per key (incident review, high)', async () => {
      const other = await openSigningAccount({ USD: '1000' }, 'exits-per-key');
      const separate = await startSignet(other.services, openStores(), {
        directives: { rateLimitOverrides: { 'Mutation.revokeApiKey': { max: 2, window: '10m' }, 'Mutation.cancelAllOrders': { max: 2, window: '1m' }, 'Mutation.cancelOrder': { max: 2, window: '1m' } } },
      });
      try {
        const leaked = await createTestKey(other.services, other.accountId, 'ed25519', ['READ', 'TRADE', 'MANAGE_KEYS']);
        const placed = await signedRequest(separate, leaked, { query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } } }' }, { headers: { 'idempotency-key': 'leaked-1' } });
        const orderId = placed.json.data.placeOrder.order.id as string;
        // The leaked key spends every exit's field limit: its third call of each is refused.
        const spend = async (query: string) => {
          const codes: Array<string | undefined> = [];
          for (let i = 0; i < 3; i += 1) codes.push((await signedRequest(separate, leaked, { query })).json.errors?.[0]?.extensions?.code);
          return codes;
        };
        expect(await spend('mutation { revokeApiKey(id: "key_00000000000000000000000000") { userErrors { code } } }')).toEqual([undefined, undefined, 'RATE_LIMITED']);
        expect(await spend('mutation { cancelAllOrders(market: "ETH-USD") { userErrors { code } } }')).toEqual([undefined, undefined, 'RATE_LIMITED']);
        expect(await spend('mutation { cancelOrder(id: "00000000-0000-4000-8000-000000000000") { userErrors { code } } }')).toEqual([undefined, undefined, 'RATE_LIMITED']);
        // The owner's key still takes the leaked key's order off the book and revokes it.
        const canceled = await signedRequest(separate, other.key, { query: `mutation { cancelOrder(id: "${orderId}") { order { status } userErrors { code } } }` });
        expect(canceled.json).toEqual({ data: { cancelOrder: { order: { status: 'CANCELED' }, userErrors: [] } } });
        const all = await signedRequest(separate, other.key, { query: `mutation { cancelAllOrders(apiKeyId: "${leaked.keyId}") { orders { id } userErrors { code } } }` });
        expect(all.json.errors).toBeUndefined();
        const revoked = await signedRequest(separate, other.key, { query: `mutation { revokeApiKey(id: "${leaked.keyId}") { apiKey { revokedAt } userErrors { code } } }` });
        expect(revoked.json.data.revokeApiKey.apiKey.revokedAt).toEqual(expect.any(String));
        expect((await signedRequest(separate, leaked, { query: '{ me { id } }' })).status).toBe(401);
      } finally {
        await separate.close();
        await other.db.close();
      }
    });

    test('exits a key may not run (no scope) are counted by the budget like any request', async () => {
      const other = await openSigningAccount({ USD: '10' }, 'exits-noscope');
      const reader = await createTestKey(other.services, other.accountId, 'ed25519', ['READ']);
      const separate = await startSignet(other.services, openStores(), {
        requestLimits: { ...REQUEST_LIMITS, perIp: { max: 1000, windowMs: 60_000 }, perAccount: { max: 5, windowMs: 60_000 } },
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i += 1) {
          statuses.push((await signedRequest(separate, reader, { query: 'mutation { cancelOrder(id: "00000000-0000-4000-8000-000000000000") { userErrors { code } } }' }, { from: `127.0.0.${10 + i}` })).status);
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      } finally {
        await separate.close();
        await other.db.close();
      }
    });

    test('a replay of an exit behind its spent field limit is a read: it spends the account\'s budget, and once that is spent it is refused', async () => {
      // A replay stops nothing: it reads an outcome (a cancelAllOrders one lists up to hundreds of
      // orders). Counted on no budget of the account's, one account's keys replayed one at will.
      const other = await openSigningAccount({ USD: '1000' }, 'exits-replay');
      const separate = await startSignet(other.services, openStores(), {
        requestLimits: { ...REQUEST_LIMITS, perIp: { max: 1000, windowMs: 60_000 }, perAccount: { max: 4, windowMs: 60_000 } },
        directives: { rateLimitOverrides: { 'Mutation.cancelAllOrders': { max: 1, window: '1m' } } },
      });
      try {
        const place = { query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } } }' };
        const orderId = (await signedRequest(separate, other.key, place, { headers: { 'idempotency-key': 'rest-1' } })).json.data.placeOrder.order.id as string;
        const cancelAll = () => signedRequest(separate, other.key, { query: 'mutation { cancelAllOrders { orders { id status } userErrors { code } } }' }, { headers: { 'idempotency-key': 'cancel-all-1' } });
        const first = await cancelAll();
        expect(first.json.data.cancelAllOrders.orders).toEqual([{ id: orderId, status: 'CANCELED' }]);
        // The field's one call is spent; the account has spent 1 of 4 (the placement; the exit was not counted).
        const answers: Array<[number, string | null, string | undefined]> = [];
        for (let i = 0; i < 4; i += 1) {
          const retry = await cancelAll();
          answers.push([retry.status, retry.headers.get('idempotent-replayed'), retry.json.errors?.[0]?.extensions?.code]);
        }
        expect(answers).toEqual([[200, 'true', undefined], [200, 'true', undefined], [200, 'true', undefined], [200, null, 'RATE_LIMITED']]);
        // The exit itself still passes the spent budget: the owner can revoke a key.
        const spare = await createTestKey(other.services, other.accountId, 'ed25519', ['READ']);
        const revoked = await signedRequest(separate, other.key, { query: `mutation { revokeApiKey(id: "${spare.keyId}") { apiKey { revokedAt } } }` });
        expect(revoked.json.data.revokeApiKey.apiKey.revokedAt).toEqual(expect.any(String));
      } finally {
        await separate.close();
        await other.db.close();
      }
    });
  });
}

defineExitSuite('memory stores', memoryStores);
describeWithRedis('on Redis', (url) => {
  const handles: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => { await Promise.all(handles.map((h) => h.close())); });
  defineExitSuite('Redis stores', () => {
    const opened = redisStores(url);
    handles.push(opened);
    return opened.stores;
  });
});
