/**
 * The SDK against a real Signet server in process: typed documents, signatures, idempotency keys
 * and retries end to end. Runs on PGlite + memory stores always, and on PostgreSQL + Redis when
 * TEST_DATABASE_URL and TEST_REDIS_URL are set.
 */
import {
  CancelOrderDocument, CreateTransferDocument, MarketsDocument, MeDocument, MyOrdersDocument, PlaceOrderDocument,
  createSignetClient, type SignetClient,
} from '@signet/sdk';
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DomainServices } from '../../src/domain';
import type { SecurityStores } from '../../src/transport/security-stores';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../helpers/database';
import { describeWithPostgres, TEST_REDIS_URL } from '../helpers/services';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { createTestKey, memoryStores, redisStores, startSignet, type RunningSignet } from '../helpers/signet-server';

const BUY = { market: 'BTC-USD', side: 'BUY' as const, price: '30000', quantity: '0.01' };

function sdkSuite(openDatabase: () => Promise<TestDatabase>, openStores: () => { stores: SecurityStores; close(): Promise<void> }) {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet;
  let stores: { stores: SecurityStores; close(): Promise<void> };
  let accountId: string;
  let otherId: string;
  let client: SignetClient;
  /** Signature-Input of every request the client sent, with the Idempotency-Key it carried. */
  const sent: Array<{ signatureInput?: string; idempotencyKey?: string }> = [];

  beforeAll(async () => {
    db = await openDatabase();
    services = servicesFor(db.driver);
    stores = openStores();
    server = await startSignet(services, stores.stores);
    accountId = await fundedAccount(services, { USD: '1000', BTC: '1' }, 'sdk');
    otherId = await fundedAccount(services, {}, 'sdk-peer');
    const key = await createTestKey(services, accountId, 'ed25519');
    const privateKey = key.privateKey!.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const recording: typeof fetch = async (input, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      sent.push({ signatureInput: headers['signature-input'], idempotencyKey: headers['idempotency-key'] });
      return fetch(input, init);
    };
    client = createSignetClient({ url: server.url, keyId: key.keyId, privateKey, fetch: recording });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await stores?.close();
    await db?.close();
  });

  test('places, lists and cancels an order through typed documents', async () => {
    const placed = await client.request(PlaceOrderDocument, { input: BUY });
    expect(placed.errors).toEqual([]);
    expect(placed.userErrors).toEqual([]);
    expect(placed.replayed).toBe(false);
    const order = placed.data?.placeOrder?.order;
    expect(order).toMatchObject({ market: 'BTC-USD', side: 'BUY', status: 'OPEN', holdAsset: 'USD', holdAmount: '300' });

    const open = await client.request(MyOrdersDocument, { status: 'OPEN' });
    expect(open.data?.me?.orders?.nodes.map((o) => o.id)).toContain(order!.id);

    const cancelled = await client.request(CancelOrderDocument, { id: order!.id });
    expect(cancelled.data?.cancelOrder?.order?.status).toBe('CANCELED');
    expect((await balancesOf(services, accountId)).USD).toEqual({ available: '1000', held: '0' });
  });

  test('the same idempotency key twice runs once; the second answer is a replay of the same order', async () => {
    const first = await client.request(PlaceOrderDocument, { input: BUY }, { idempotencyKey: 'sdk-replay-1' });
    const second = await client.request(PlaceOrderDocument, { input: BUY }, { idempotencyKey: 'sdk-replay-1' });
    expect(second.replayed).toBe(true);
    expect(second.data?.placeOrder?.order?.id).toBe(first.data?.placeOrder?.order?.id);
    // The server refuses an uncovered key; the SDK covers it on every keyed request.
    const keyed = sent.filter((s) => s.idempotencyKey === '"sdk-replay-1"');
    expect(keyed).toHaveLength(2);
    for (const { signatureInput } of keyed) expect(signatureInput).toMatch(/^sig1=\([^)]*"idempotency-key"[^)]*\)/);
    expect((await balancesOf(services, accountId)).USD).toEqual({ available: '700', held: '300' });
    await client.request(CancelOrderDocument, { id: first.data!.placeOrder!.order!.id });
  });

  // A caller that arrives while the first runs gets IDEMPOTENCY_IN_PROGRESS, waits the server's
  // retryAfter (the rest of the lease) and retries into the replay; one that arrives later replays at once.
  test('a document that names its own key (@idempotent(key:), a literal or any variable) is sent with that key, not a new one', async () => {
    const literal = parse(`mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) @idempotent(key: "sdk-literal-1") { order { id } userErrors { code } } }`) as TypedDocumentNode<{ placeOrder: { order: { id: string } | null } | null }, { input: typeof BUY }>;
    const first = await client.request(literal, { input: BUY });
    expect(first.errors).toEqual([]);
    expect(first.idempotencyKey).toBe('sdk-literal-1');
    const again = await client.request(literal, { input: BUY });
    expect(again.replayed).toBe(true);
    expect(again.data?.placeOrder?.order?.id).toBe(first.data?.placeOrder?.order?.id);
    await expect(client.request(literal, { input: BUY }, { idempotencyKey: 'another' })).rejects.toThrow(/disagree/);

    const named = parse(`mutation P($input: PlaceOrderInput!, $k: String) { placeOrder(input: $input) @idempotent(key: $k) { order { id } } }`) as TypedDocumentNode<{ placeOrder: { order: { id: string } | null } | null }, { input: typeof BUY; k?: string }>;
    const byVariable = await client.request(named, { input: BUY, k: 'sdk-variable-1' });
    expect(byVariable.errors).toEqual([]);
    expect(byVariable.idempotencyKey).toBe('sdk-variable-1');
    expect((await client.request(named, { input: BUY, k: 'sdk-variable-1' })).data?.placeOrder?.order?.id).toBe(byVariable.data?.placeOrder?.order?.id);
    // The variable left out: the SDK's own key goes in the header, as for a document without one.
    const unset = await client.request(named, { input: BUY });
    expect(unset.errors).toEqual([]);
    expect(unset.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    for (const placed of [first, byVariable, unset]) await client.request(CancelOrderDocument, { id: placed.data!.placeOrder!.order!.id });
    // A variable left out with a default: the server keys the call with the default, and so does the SDK.
    const defaulted = parse(`mutation P($input: PlaceOrderInput!, $k: String = "sdk-default-1") { placeOrder(input: $input) @idempotent(key: $k) { order { id } } }`) as TypedDocumentNode<{ placeOrder: { order: { id: string } | null } | null }, { input: typeof BUY; k?: string }>;
    const byDefault = await client.request(defaulted, { input: BUY });
    expect(byDefault.errors).toEqual([]);
    expect(byDefault.idempotencyKey).toBe('sdk-default-1');
    await client.request(CancelOrderDocument, { id: byDefault.data!.placeOrder!.order!.id });
  });

  test('concurrent calls with one key: one order, and every caller ends with it', async () => {
    const calls = await Promise.all(Array.from({ length: 6 }, () => client.request(PlaceOrderDocument, { input: BUY }, { idempotencyKey: 'sdk-concurrent-1' })));
    const ids = new Set(calls.map((c) => c.data?.placeOrder?.order?.id));
    expect(calls.every((c) => c.errors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    expect(calls.filter((c) => !c.replayed)).toHaveLength(1);
    expect((await balancesOf(services, accountId)).USD.held).toBe('300');
    await client.request(CancelOrderDocument, { id: [...ids][0]! });
  }, 30_000);

  test('business failures come back as typed userErrors', async () => {
    const result = await client.request(PlaceOrderDocument, { input: { ...BUY, quantity: '99' } });
    expect(result.data?.placeOrder?.order).toBeNull();
    expect(result.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_FUNDS', path: 'placeOrder' })]);
    expect(result.attempts).toBe(1);
  });

  test('a transfer with a memo, then balances through Me', async () => {
    const sent = await client.request(CreateTransferDocument, { input: { toAccountId: otherId, asset: 'BTC', amount: '0.25', memo: 'sdk test' } });
    expect(sent.data?.createTransfer?.transfer).toMatchObject({ toAccountId: otherId, amount: '0.25', memo: 'sdk test' });
    const me = await client.request(MeDocument, {});
    expect(me.data?.me?.balances).toEqual(expect.arrayContaining([expect.objectContaining({ asset: 'BTC', available: '0.75' })]));
  });

  test('an hmac-sha256 key works the same way, and an unsigned client reads public fields', async () => {
    const key = await createTestKey(services, accountId, 'hmac-sha256', ['READ']);
    const hmacClient = createSignetClient({ url: `${server.url}/graphql`, keyId: key.keyId, secret: key.secret!.toString('base64') });
    expect((await hmacClient.request(MeDocument, {})).data?.me?.id).toBe(accountId);
    const anonymous = createSignetClient({ url: server.url });
    const markets = await anonymous.request(MarketsDocument, {});
    expect(markets.data?.markets?.map((m) => m.symbol)).toEqual(expect.arrayContaining(['BTC-USD', 'ETH-USD']));
    const me = await anonymous.request(MeDocument, {});
    expect(me.errors[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
}

describe('SDK against Signet on PGlite with memory stores', () => {
  sdkSuite(openPgliteDatabase, () => ({ stores: memoryStores(), close: async () => undefined }));
});

describeWithPostgres('SDK against Signet on PostgreSQL', (url) => {
  // Redis too when configured: the shared stores are what several instances would use.
  sdkSuite(() => openPostgresDatabase(url), () => (TEST_REDIS_URL ? redisStores(TEST_REDIS_URL) : { stores: memoryStores(), close: async () => undefined }));
});
