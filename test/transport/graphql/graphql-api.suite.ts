import { CancelAllOrdersDocument, CancelOrderDocument, CreateApiKeyDocument, CreateTransferDocument, MarketsDocument, MeDocument, MyApiKeysDocument, MyOrdersDocument, MyTransfersDocument, OrderDocument, PlaceOrderDocument, RevokeApiKeyDocument, TransferDocument } from '@signet/sdk';
import type { DomainServices } from '../../../src/domain';
import type { TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestGraphQL, principalFor, type TestGraphQL } from '../../helpers/graphql';
import { ALL_SCOPES, type Scope } from '../../../src/domain';
import { requiredScopes } from '../../../src/directives/signed';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
/**
 * Every signed root field, the one scope it requires, and a call of it. The contract keys are
 * issued against: pinned here by behaviour, not only by the schema's snapshot (which
 * `npm run schema` rewrites to whatever the code says).
 */
const SIGNED_FIELDS: ReadonlyArray<readonly [type: 'Query' | 'Mutation', field: string, scope: Scope, document: string]> = [
  ['Query', 'me', 'READ', '{ me { id } }'],
  ['Query', 'order', 'READ', `{ order(id: "${NO_SUCH_ID}") { id } }`],
  ['Query', 'transfer', 'READ', `{ transfer(id: "${NO_SUCH_ID}") { id } }`],
  ['Mutation', 'placeOrder', 'TRADE', 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "1", quantity: "1" }) @idempotent(key: "KEY") { userErrors { code } } }'],
  ['Mutation', 'cancelOrder', 'TRADE', `mutation { cancelOrder(id: "${NO_SUCH_ID}") { userErrors { code } } }`],
  ['Mutation', 'cancelAllOrders', 'TRADE', 'mutation { cancelAllOrders { userErrors { code } } }'],
  ['Mutation', 'createTransfer', 'TRANSFER', `mutation { createTransfer(input: { toAccountId: "${NO_SUCH_ID}", asset: USD, amount: "1" }) @idempotent(key: "KEY") { userErrors { code } } }`],
  ['Mutation', 'createApiKey', 'MANAGE_KEYS', 'mutation { createApiKey(input: { label: "scoped", scopes: [READ] }) { userErrors { code } } }'],
  ['Mutation', 'revokeApiKey', 'MANAGE_KEYS', 'mutation { revokeApiKey(id: "key_000000000000000000000000") { userErrors { code } } }'],
];
import { directiveDepsFor } from '../../helpers/directives';
import { captureLogger } from '../../helpers/logger';

/** The GraphQL API's behaviour, run against each SQL engine. */
export function defineGraphQLApiSuite(name: string, open: () => Promise<TestDatabase>): void {
  describe(`GraphQL API on ${name}`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let api: TestGraphQL;
    const log = captureLogger();
    beforeAll(async () => {
      db = await open();
      services = servicesFor(db.driver);
      api = await createTestGraphQL(services, { logger: log.logger });
    });
    afterAll(async () => {
      await api?.stop();
      await db?.close();
    });

    test('me returns the calling account and its balances', async () => {
      const id = await fundedAccount(services, { USD: '10.5' }, 'me');
      const result = await api.execute(MeDocument, {}, principalFor(id));
      expect(result.errors).toBeUndefined();
      expect(result.data?.me?.id).toBe(id);
      expect(result.data?.me?.balances).toContainEqual({ asset: 'USD', available: '10.5', held: '0' });
    });

    test('without a principal, private fields are null with UNAUTHENTICATED and public fields still resolve', async () => {
      const result = await api.execute('{ markets { symbol } serverTime me { id } }');
      expect(result.data).toMatchObject({ markets: [{ symbol: 'BTC-USD' }, { symbol: 'ETH-USD' }], me: null });
      expect(result.errors).toEqual([expect.objectContaining({ path: ['me'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', retryable: false, requestId: expect.any(String) }) })]);
      const mutation = await api.execute(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '1', quantity: '1' } });
      expect(mutation.data?.placeOrder).toBeNull();
      expect(mutation.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    test('the signed fields are exactly those of the scope table below, each requiring its one scope', () => {
      const schema = buildSignetSchema();
      const roots = { Query: schema.getQueryType()!, Mutation: schema.getMutationType()! };
      const declared = (['Query', 'Mutation'] as const).flatMap((type) => Object.keys(roots[type].getFields())
        .map((field) => [type, field, requiredScopes(schema, type, field, { name: 'signed', scopeType: 'Scope' })] as const)
        .filter(([, , scopes]) => scopes !== undefined));
      expect(declared).toEqual(expect.arrayContaining(SIGNED_FIELDS.map(([type, field, scope]) => [type, field, [scope]])));
      expect(declared).toHaveLength(SIGNED_FIELDS.length);
    });

    let scopeCalls = 0;
    test.each(SIGNED_FIELDS)('%s.%s needs %s: every other scope is FORBIDDEN, that one alone is let through', async (_type, field, scope, document) => {
      const id = await fundedAccount(services, { USD: '10' }, `scope-${field}`);
      const call = (scopes: readonly Scope[]) => api.execute(document.replace('KEY', `scope-${field}-${(scopeCalls += 1)}`), {}, principalFor(id, scopes));
      const refused = await call(ALL_SCOPES.filter((s) => s !== scope));
      expect([(refused.data as Record<string, unknown> | null | undefined)?.[field] ?? null, refused.errors?.map((e) => e.extensions?.code)]).toEqual([null, ['FORBIDDEN']]);
      const allowed = await call([scope]);
      expect(allowed.errors?.map((e) => e.extensions?.code) ?? []).toEqual([]);
    });

    test('markets list their trading rules', async () => {
      const result = await api.execute(MarketsDocument, {});
      expect(result.data?.markets?.[0]).toEqual({ symbol: 'BTC-USD', baseAsset: 'BTC', quoteAsset: 'USD', tickSize: '0.01', lotSize: '0.00001', minQuantity: '0.00001', maxQuantity: '100', maxPrice: '10000000', makerFeeRate: '0.001', takerFeeRate: '0.002' });
    });

    test('placing and cancelling an order, with business failures as userErrors', async () => {
      const id = await fundedAccount(services, { USD: '1000' }, 'trader');
      const me = principalFor(id);
      const placed = await api.execute(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.01', clientOrderId: 'bot-1' }, idempotencyKey: 'place-1' }, me);
      expect(placed.errors).toBeUndefined();
      expect(placed.data?.placeOrder).toMatchObject({ order: { status: 'OPEN', holdAsset: 'USD', holdAmount: '300', clientOrderId: 'bot-1' }, userErrors: [] });
      const tooBig = await api.execute(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '1' }, idempotencyKey: 'place-2' }, me);
      expect(tooBig.data?.placeOrder).toEqual({ order: null, fills: [], userErrors: [{ code: 'INSUFFICIENT_FUNDS', message: expect.any(String), field: ['input', 'quantity'] }] });
      const orderId = placed.data?.placeOrder?.order?.id as string;
      const canceled = await api.execute(CancelOrderDocument, { id: orderId }, me);
      expect(canceled.data?.cancelOrder?.order?.status).toBe('CANCELED');
      const again = await api.execute(CancelOrderDocument, { id: orderId }, me);
      expect(again.data?.cancelOrder?.userErrors.map((e) => e.code)).toEqual(['ORDER_NOT_OPEN']);
    });

    test('transfers and API keys through the API', async () => {
      const from = await fundedAccount(services, { USD: '100' }, 'payer');
      const to = await fundedAccount(services, {}, 'payee');
      const sent = await api.execute(CreateTransferDocument, { input: { toAccountId: to, asset: 'USD', amount: '12.34', memo: 'lunch' }, idempotencyKey: 'lunch-1' }, principalFor(from));
      expect(sent.data?.createTransfer).toMatchObject({ transfer: { toAccountId: to, amount: '12.34', memo: 'lunch' }, userErrors: [] });
      const listed = await api.execute(MyTransfersDocument, { first: 5 }, principalFor(to));
      expect(listed.data?.me?.transfers?.nodes.map((t) => t.amount)).toEqual(['12.34']);
      const key = await api.execute(CreateApiKeyDocument, { input: { label: 'ci', scopes: ['READ'], algorithm: 'HMAC_SHA256' } }, principalFor(from));
      expect(key.data?.createApiKey).toMatchObject({ apiKey: { algorithm: 'HMAC_SHA256', scopes: ['READ'], publicKey: null }, privateKey: null, secret: expect.any(String), userErrors: [] });
      const beyond = await api.execute(CreateApiKeyDocument, { input: { label: 'x', scopes: ['TRANSFER'] } }, principalFor(from, ['READ', 'MANAGE_KEYS']));
      expect(beyond.data?.createApiKey?.userErrors.map((e) => e.code)).toEqual(['INVALID_SCOPES']);
      const revoked = await api.execute(RevokeApiKeyDocument, { id: key.data?.createApiKey?.apiKey?.id as string }, principalFor(from));
      expect(revoked.data?.revokeApiKey?.apiKey?.revokedAt).toEqual(expect.any(String));
    });

    test('API keys record the key whose signed request created or revoked them: a leaked key\'s minted keys can be listed and revoked', async () => {
      const owner = await fundedAccount(services, {}, 'key-audit');
      const created = await services.apiKeys.createApiKey(owner, { label: 'root', scopes: ['READ', 'MANAGE_KEYS'], algorithm: 'ed25519' });
      if (!created.ok) throw new Error(JSON.stringify(created.errors));
      const leaked = created.value.apiKey.id;
      const as = (keyId: string) => ({ ...principalFor(owner, ['READ', 'MANAGE_KEYS']), keyId });
      const minted = await api.execute(CreateApiKeyDocument, { input: { label: 'backdoor', scopes: ['READ'] }, idempotencyKey: 'audit-mint' }, as(leaked));
      const mintedId = minted.data?.createApiKey?.apiKey?.id as string;
      expect(minted.data?.createApiKey?.apiKey).toMatchObject({ id: mintedId, createdByApiKeyId: leaked });
      // The idempotent replay answers the same record.
      const replayed = await api.execute(CreateApiKeyDocument, { input: { label: 'backdoor', scopes: ['READ'] }, idempotencyKey: 'audit-mint' }, as(leaked));
      expect(replayed.data?.createApiKey?.apiKey).toMatchObject({ id: mintedId, createdByApiKeyId: leaked });
      // The owner, with another key, finds what the leaked key minted and revokes it: the revocation names that key.
      const second = await services.apiKeys.createApiKey(owner, { label: 'owner', scopes: ['READ', 'MANAGE_KEYS'], algorithm: 'ed25519' });
      if (!second.ok) throw new Error(JSON.stringify(second.errors));
      const ownerKey = second.value.apiKey.id;
      const listed = await api.execute(MyApiKeysDocument, {}, as(ownerKey));
      expect(listed.data?.me?.apiKeys?.filter((k) => k.createdByApiKeyId === leaked).map((k) => k.id)).toEqual([mintedId]);
      const revoked = await api.execute(RevokeApiKeyDocument, { id: mintedId, idempotencyKey: 'audit-revoke' }, as(ownerKey));
      expect(revoked.data?.revokeApiKey?.apiKey).toMatchObject({ id: mintedId, revokedAt: expect.any(String), revokedByApiKeyId: ownerKey });
      const after = await api.execute(MyApiKeysDocument, {}, as(ownerKey));
      expect(after.data?.me?.apiKeys?.map((k) => [k.id, k.createdByApiKeyId, k.revokedByApiKeyId])).toEqual([[leaked, null, null], [mintedId, leaked, ownerKey], [ownerKey, null, null]]);
    });

    test('orders and transfers record the API key that made them: the key\'s own account reads it, a recipient does not, an operator\'s order has none', async () => {
      const trader = await fundedAccount(services, { USD: '1000' }, 'audited');
      const payee = await fundedAccount(services, {}, 'audit-payee');
      const viaKey = { ...principalFor(trader), keyId: 'key_0a1b2c3d4e5f60718293a4b5' };
      const input = { market: 'BTC-USD', side: 'BUY' as const, price: '100', quantity: '0.01' };
      const placed = await api.execute(PlaceOrderDocument, { input, idempotencyKey: 'audit-place-1' }, viaKey);
      expect(placed.errors).toBeUndefined();
      const order = placed.data?.placeOrder?.order;
      expect(order?.apiKeyId).toBe(viaKey.keyId);
      // A retry answers as the first call did, and the key is what the database holds.
      expect((await api.execute(PlaceOrderDocument, { input, idempotencyKey: 'audit-place-1' }, viaKey)).data?.placeOrder?.order).toEqual(order);
      expect((await services.orders.findOrder(trader, order?.id as string))?.apiKeyId).toBe(viaKey.keyId);
      expect((await api.execute(OrderDocument, { id: order?.id }, principalFor(trader))).data?.order?.apiKeyId).toBe(viaKey.keyId);
      expect((await api.execute(MyOrdersDocument, { first: 5 }, principalFor(trader))).data?.me?.orders?.nodes.map((o) => [o.id, o.apiKeyId])).toEqual([[order?.id, viaKey.keyId]]);
      // An operator's placement (the CLI, the demo seed) goes through the service with no key.
      const operator = await services.orders.placeOrder(trader, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01' });
      expect(operator.ok && operator.value.apiKeyId).toBeNull();

      const sent = await api.execute(CreateTransferDocument, { input: { toAccountId: payee, asset: 'USD', amount: '5' }, idempotencyKey: 'audit-send-1' }, viaKey);
      expect(sent.errors).toBeUndefined();
      const transferId = sent.data?.createTransfer?.transfer?.id as string;
      expect(sent.data?.createTransfer?.transfer?.apiKeyId).toBe(viaKey.keyId);
      expect((await api.execute(TransferDocument, { id: transferId }, principalFor(trader))).data?.transfer?.apiKeyId).toBe(viaKey.keyId);
      expect((await api.execute(MyTransfersDocument, { first: 5 }, principalFor(trader))).data?.me?.transfers?.nodes.map((t) => [t.id, t.apiKeyId])).toEqual([[transferId, viaKey.keyId]]);
      // The recipient sees the transfer, not which of the sender's keys made it.
      expect((await api.execute(TransferDocument, { id: transferId }, principalFor(payee))).data?.transfer).toMatchObject({ id: transferId, apiKeyId: null });
      expect((await api.execute(MyTransfersDocument, { first: 5 }, principalFor(payee))).data?.me?.transfers?.nodes.map((t) => [t.id, t.apiKeyId])).toEqual([[transferId, null]]);
    });

    test('me.orders and me.transfers list what one key of the account made, revoked keys included; another account\'s key or a typo is API_KEY_NOT_FOUND, not an empty list', async () => {
      const owner = await fundedAccount(services, { USD: '1000' }, 'key-filter');
      const other = await fundedAccount(services, { USD: '10' }, 'key-filter-other');
      const created = async (accountId: string, label: string) => {
        const made = await services.apiKeys.createApiKey(accountId, { label, scopes: ['READ', 'TRADE', 'TRANSFER'], algorithm: 'ed25519' });
        if (!made.ok) throw new Error(JSON.stringify(made.errors));
        return made.value.apiKey.id;
      };
      const [leaked, kept, foreign] = [await created(owner, 'leaked'), await created(owner, 'kept'), await created(other, 'foreign')];
      const as = (keyId: string, accountId = owner) => ({ ...principalFor(accountId), keyId });
      const place = async (keyId: string, n: number) => {
        const placed = await api.execute(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' }, idempotencyKey: `key-filter-${n}` }, as(keyId));
        expect(placed.errors).toBeUndefined();
        return placed.data?.placeOrder?.order?.id as string;
      };
      const byLeaked = [await place(leaked, 1)];
      const keptOrder = await place(kept, 2);
      byLeaked.push(await place(leaked, 3));
      await services.orders.placeOrder(owner, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01' });
      // The leaked key also cancels an order another key placed: what it did includes that.
      expect((await api.execute(CancelOrderDocument, { id: keptOrder, idempotencyKey: 'key-filter-cancel' }, as(leaked))).data?.cancelOrder?.order?.status).toBe('CANCELED');
      const send = async (keyId: string, n: number, from = owner, to = other) => {
        const sent = await api.execute(CreateTransferDocument, { input: { toAccountId: to, asset: 'USD', amount: '1' }, idempotencyKey: `key-filter-send-${n}` }, as(keyId, from));
        expect(sent.errors).toBeUndefined();
        return sent.data?.createTransfer?.transfer?.id as string;
      };
      const sentByLeaked = await send(leaked, 1);
      await send(kept, 2);
      await send(foreign, 3, other, owner);
      expect((await services.apiKeys.revokeApiKey(owner, leaked, kept)).ok).toBe(true);

      // Newest first, only the orders that key placed or ended, paged with the filter kept; upper case names the same key.
      const first = await api.execute(MyOrdersDocument, { first: 1, apiKeyId: leaked.toUpperCase() }, as(kept));
      expect(first.errors).toBeUndefined();
      expect(first.data?.me?.orders?.nodes.map((o) => [o.id, o.apiKeyId])).toEqual([[byLeaked[1], leaked]]);
      const rest = await api.execute(MyOrdersDocument, { first: 5, after: first.data?.me?.orders?.pageInfo.endCursor, apiKeyId: leaked }, as(kept));
      expect(rest.data?.me?.orders).toMatchObject({ nodes: [{ id: keptOrder }, { id: byLeaked[0] }], pageInfo: { hasNextPage: false } });
      // Filters combine.
      expect((await api.execute(MyOrdersDocument, { first: 5, apiKeyId: leaked, status: 'CANCELED' }, as(kept))).data?.me?.orders?.nodes.map((o) => o.id)).toEqual([keptOrder]);
      expect((await api.execute(MyOrdersDocument, { first: 5, apiKeyId: kept, status: 'CANCELED' }, as(kept))).data?.me?.orders?.nodes.map((o) => o.id)).toEqual([keptOrder]);
      expect((await api.execute(MyOrdersDocument, { first: 5, apiKeyId: leaked, live: true, market: 'BTC-USD' }, as(kept))).data?.me?.orders?.nodes.map((o) => o.id)).toEqual([byLeaked[1], byLeaked[0]]);
      // Transfers: only those sent through the key; a transfer received from another account's key never matches.
      const sentList = await api.execute(MyTransfersDocument, { first: 5, apiKeyId: leaked }, as(kept));
      expect(sentList.data?.me?.transfers?.nodes.map((t) => [t.id, t.apiKeyId])).toEqual([[sentByLeaked, leaked]]);
      // Not one of the account's keys: the field is null with API_KEY_NOT_FOUND, whether it exists elsewhere or not.
      for (const unknown of [foreign, 'key_00000000000000000000000a', 'not a key']) {
        for (const listing of [await api.execute(MyOrdersDocument, { first: 5, apiKeyId: unknown }, as(kept)), await api.execute(MyTransfersDocument, { first: 5, apiKeyId: unknown }, as(kept))]) {
          expect(listing.data?.me).toMatchObject({ id: owner });
          expect(Object.values(listing.data?.me ?? {})).toContain(null);
          expect(listing.errors).toEqual([expect.objectContaining({ message: 'No API key of your account has this id. See me.apiKeys.', extensions: expect.objectContaining({ code: 'API_KEY_NOT_FOUND', field: 'apiKeyId', retryable: false }) })]);
        }
      }
    });

    test('an order records the API key that canceled it: a cancel call\'s, or the placement\'s whose self-trade prevention canceled it; a filled order and an operator\'s cancel have none', async () => {
      const trader = await fundedAccount(services, { USD: '10000', ETH: '5' }, 'cancel-audit');
      const counterparty = await fundedAccount(services, { ETH: '1' }, 'cancel-audit-other');
      const [placer, canceler, crosser, seller, sweeper] = ['key_placer0000000000000000a', 'key_canceler00000000000000a', 'key_crosser000000000000000a', 'key_seller0000000000000000a', 'key_sweeper000000000000000a'];
      const as = (keyId: string, accountId = trader) => ({ ...principalFor(accountId), keyId });
      const place = async (input: { side: 'BUY' | 'SELL'; price: string; quantity: string; selfTradePrevention?: 'CANCEL_OLDEST' | 'CANCEL_NEWEST' }, keyId: string, idempotencyKey: string, accountId = trader) => {
        const placed = await api.execute(PlaceOrderDocument, { input: { market: 'ETH-USD', ...input }, idempotencyKey }, as(keyId, accountId));
        expect(placed.errors).toBeUndefined();
        expect(placed.data?.placeOrder?.userErrors).toEqual([]);
        return placed.data?.placeOrder?.order as NonNullable<NonNullable<NonNullable<typeof placed.data>['placeOrder']>['order']>;
      };
      const read = async (id: string) => (await api.execute(OrderDocument, { id }, principalFor(trader))).data?.order;

      // cancelOrder: the canceling key, not the placing one; its replay answers the same.
      const single = await place({ side: 'BUY', price: '10', quantity: '1' }, placer, 'cancel-audit-1');
      expect(single.canceledByApiKeyId).toBeNull();
      const canceled = await api.execute(CancelOrderDocument, { id: single.id, idempotencyKey: 'cancel-audit-2' }, as(canceler));
      expect(canceled.data?.cancelOrder?.order).toMatchObject({ status: 'CANCELED', statusReason: 'CANCELED_BY_USER', apiKeyId: placer, canceledByApiKeyId: canceler });
      expect((await api.execute(CancelOrderDocument, { id: single.id, idempotencyKey: 'cancel-audit-2' }, as(canceler))).data?.cancelOrder?.order).toEqual(canceled.data?.cancelOrder?.order);
      expect(await read(single.id)).toMatchObject({ canceledByApiKeyId: canceler });

      // Self-trade prevention, CANCEL_OLDEST: the resting order is canceled by the crossing placement's key; the placement rests.
      const resting = await place({ side: 'SELL', price: '3000', quantity: '1' }, placer, 'cancel-audit-3');
      const crossing = await place({ side: 'BUY', price: '3000', quantity: '1', selfTradePrevention: 'CANCEL_OLDEST' }, crosser, 'cancel-audit-4');
      expect(crossing).toMatchObject({ status: 'OPEN', apiKeyId: crosser, canceledByApiKeyId: null });
      expect(await read(resting.id)).toMatchObject({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', apiKeyId: placer, canceledByApiKeyId: crosser });
      // CANCEL_NEWEST: the placement itself is canceled, by its own key.
      const newest = await place({ side: 'SELL', price: '3000', quantity: '1', selfTradePrevention: 'CANCEL_NEWEST' }, seller, 'cancel-audit-5');
      expect(newest).toMatchObject({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', apiKeyId: seller, canceledByApiKeyId: seller });

      // Another account's order fills against the resting BUY: neither is canceled, neither names a key.
      const filled = await place({ side: 'SELL', price: '3000', quantity: '0.5' }, 'key_test', 'cancel-audit-6', counterparty);
      expect(filled).toMatchObject({ status: 'FILLED', canceledByApiKeyId: null });
      expect(await read(crossing.id)).toMatchObject({ status: 'PARTIALLY_FILLED', canceledByApiKeyId: null });

      // cancelAllOrders: every order it ends names its key.
      const swept = await api.execute(CancelAllOrdersDocument, { market: 'ETH-USD', idempotencyKey: 'cancel-audit-7' }, as(sweeper));
      expect(swept.data?.cancelAllOrders?.orders.map((o) => [o.id, o.statusReason, o.canceledByApiKeyId])).toEqual([[crossing.id, 'CANCELED_BY_USER', sweeper]]);
      const listed = (await api.execute(MyOrdersDocument, { first: 10 }, principalFor(trader))).data?.me?.orders?.nodes ?? [];
      expect(listed.map((o) => [o.id, o.canceledByApiKeyId])).toEqual([[newest.id, seller], [crossing.id, sweeper], [resting.id, crosser], [single.id, canceler]]);

      // An operator's cancel goes through the service with no key.
      const operatorPlaced = await services.orders.placeOrder(trader, { market: 'ETH-USD', side: 'BUY', type: 'LIMIT', price: '10', quantity: '1' });
      const operatorCanceled = operatorPlaced.ok ? await services.orders.cancelOrder(trader, operatorPlaced.value.id) : operatorPlaced;
      expect(operatorCanceled.ok && operatorCanceled.value).toMatchObject({ status: 'CANCELED', canceledByApiKeyId: null });
    });

    test('cancelAllOrders(apiKeyId) cancels only the live orders that key placed, a revoked key\'s too; another account\'s or a malformed key id cancels nothing', async () => {
      const trader = await fundedAccount(services, { USD: '10000' }, 'cancel-by-key');
      const other = await fundedAccount(services, {}, 'cancel-by-key-other');
      const newKey = async (accountId: string) => {
        const created = await services.apiKeys.createApiKey(accountId, { label: 'bot', scopes: ['READ', 'TRADE'], algorithm: 'ed25519' });
        if (!created.ok) throw new Error(JSON.stringify(created.errors));
        return created.value.apiKey.id;
      };
      const [leaked, kept, othersKey] = [await newKey(trader), await newKey(trader), await newKey(other)];
      const placeWith = async (keyId: string, market: string, price: string) => {
        const placed = await api.execute(PlaceOrderDocument, { input: { market, side: 'BUY', price, quantity: '0.01' }, idempotencyKey: `by-key-${keyId}-${market}-${price}` }, { ...principalFor(trader), keyId });
        return placed.data?.placeOrder?.order?.id as string;
      };
      const leakedBtc = await placeWith(leaked, 'BTC-USD', '11');
      const leakedEth = await placeWith(leaked, 'ETH-USD', '12');
      const keptBtc = await placeWith(kept, 'BTC-USD', '13');
      expect((await services.apiKeys.revokeApiKey(trader, leaked)).ok).toBe(true);
      const as = { ...principalFor(trader), keyId: kept };

      for (const [apiKeyId, label] of [[othersKey, 'another account\'s key'], ['key_ffffffffffffffffffffffff', 'an unknown key'], ['not-a-key', 'a malformed id']]) {
        const refused = await api.execute(CancelAllOrdersDocument, { apiKeyId, idempotencyKey: `by-key-refused-${label}` }, as);
        expect({ label, result: refused.data?.cancelAllOrders }).toEqual({ label, result: { orders: [], userErrors: [expect.objectContaining({ code: 'API_KEY_NOT_FOUND', field: ['apiKeyId'] })] } });
      }
      // One market, then every market: only the revoked key's orders, each naming the key that canceled it.
      const inBtc = await api.execute(CancelAllOrdersDocument, { market: 'BTC-USD', apiKeyId: leaked.toUpperCase(), idempotencyKey: 'by-key-1' }, as);
      expect(inBtc.data?.cancelAllOrders?.orders.map((o) => [o.id, o.apiKeyId, o.canceledByApiKeyId])).toEqual([[leakedBtc, leaked, kept]]);
      const everywhere = await api.execute(CancelAllOrdersDocument, { apiKeyId: leaked, idempotencyKey: 'by-key-2' }, as);
      expect(everywhere.data?.cancelAllOrders?.orders.map((o) => o.id)).toEqual([leakedEth]);
      const live = await api.execute(MyOrdersDocument, { first: 10, status: 'OPEN' }, principalFor(trader));
      expect(live.data?.me?.orders?.nodes.map((o) => o.id)).toEqual([keptBtc]);
    });

    test('a clientTransferId is the sender\'s for good: a second transfer with it (a new idempotency key) is refused naming the first; transfer() finds it', async () => {
      const from = await fundedAccount(services, { USD: '100' }, 'payer');
      const to = await fundedAccount(services, {}, 'payee');
      const input = { toAccountId: to, asset: 'USD' as const, amount: '40', clientTransferId: 'rent-2026-12' };
      const sent = await api.execute(CreateTransferDocument, { input, idempotencyKey: 'rent-1' }, principalFor(from));
      expect(sent.data?.createTransfer).toMatchObject({ transfer: { toAccountId: to, amount: '40', clientTransferId: 'rent-2026-12' }, userErrors: [] });
      const transferId = sent.data!.createTransfer!.transfer!.id;
      // Past the idempotency record (another key): refused, nothing moves.
      const again = await api.execute(CreateTransferDocument, { input, idempotencyKey: 'rent-2' }, principalFor(from));
      expect(again.data?.createTransfer).toEqual({ transfer: null, userErrors: [{ code: 'DUPLICATE_CLIENT_TRANSFER_ID', message: expect.stringContaining(transferId), field: ['input', 'clientTransferId'] }] });
      expect((await services.accounts.listBalances(from)).find((b) => b.asset === 'USD')).toMatchObject({ available: '60' });

      expect((await api.execute(TransferDocument, { clientTransferId: 'rent-2026-12' }, principalFor(from))).data?.transfer).toMatchObject({ id: transferId, clientTransferId: 'rent-2026-12' });
      expect((await api.execute(TransferDocument, { id: transferId }, principalFor(to))).data?.transfer).toMatchObject({ id: transferId, amount: '40', clientTransferId: 'rent-2026-12' });
      // The receiver cannot look it up by the sender's id; a stranger sees nothing.
      expect((await api.execute(TransferDocument, { clientTransferId: 'rent-2026-12' }, principalFor(to))).data?.transfer).toBeNull();
      expect((await api.execute(TransferDocument, { id: transferId }, principalFor(await fundedAccount(services, {}, 'stranger')))).data?.transfer).toBeNull();
      for (const impossible of ['x'.repeat(65), 'rent\u00002026', 'rent 2026']) {
        const lookup = await api.execute(TransferDocument, { clientTransferId: impossible }, principalFor(from));
        expect(lookup).toMatchObject({ data: { transfer: null } });
        expect(lookup.errors).toBeUndefined();
        const refused = await api.execute(CreateTransferDocument, { input: { ...input, clientTransferId: impossible }, idempotencyKey: `bad-${impossible.length}-${impossible.charCodeAt(4)}` }, principalFor(from));
        expect(refused.data?.createTransfer).toBeNull();
        expect(refused.errors?.[0]).toMatchObject({ path: ['createTransfer'], extensions: { code: 'BAD_USER_INPUT' } });
      }
      for (const variables of [{ id: transferId, clientTransferId: 'rent-2026-12' }, {}]) {
        const refused = await api.execute(TransferDocument, variables, principalFor(from));
        expect(refused.data?.transfer).toBeNull();
        expect(refused.errors?.[0]).toMatchObject({ path: ['transfer'], extensions: { code: 'BAD_USER_INPUT' } });
      }
      expect((await services.accounts.listBalances(from)).find((b) => b.asset === 'USD')).toMatchObject({ available: '60' });
    });

    test('partial data: when the orders source fails, balances and transfers still arrive and one masked error names the path', async () => {
      const id = await fundedAccount(services, { USD: '5' }, 'partial');
      const failing = { ...services, orders: { ...services.orders, listOrders: async () => { throw new Error('relation "orders" does not exist at character 42'); } } };
      const broken = await createTestGraphQL(failing, { logger: log.logger, directives: directiveDepsFor(services) });
      try {
        const result = await broken.execute('{ me { balances { asset available } orders { nodes { id } } transfers { nodes { id } } } }', {}, principalFor(id));
        expect((result.data as { me: unknown } | undefined)?.me).toEqual({ balances: expect.arrayContaining([{ asset: 'USD', available: '5' }]), orders: null, transfers: { nodes: [] } });
        expect(result.errors).toHaveLength(1);
        const [error] = result.errors!;
        expect(error).toEqual({ message: 'Internal server error', locations: expect.any(Array), path: ['me', 'orders'], extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false, requestId: expect.any(String) } });
        expect(JSON.stringify(result)).not.toMatch(/relation|character|stack|at Object/);
        const logged = log.lines().find((l) => l.reqId === error.extensions?.requestId);
        expect(logged?.msg).toMatch(/masked/);
        expect(JSON.stringify(logged)).toContain('relation \\"orders\\" does not exist');
      } finally {
        await broken.stop();
      }
    });

    test('string inputs are length-checked and the rejection echoes neither target nor value', async () => {
      const id = await fundedAccount(services, { USD: '5' }, 'limits');
      const secretMemo = 'M'.repeat(141);
      const result = await api.execute(CreateTransferDocument, { input: { toAccountId: id, asset: 'USD', amount: '1', memo: secretMemo }, idempotencyKey: 'memo-1' }, principalFor(id));
      expect(result.data?.createTransfer).toBeNull();
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, requestId: expect.any(String), fields: [{ field: 'memo', messages: [expect.stringMatching(/140/)] }] });
      expect(JSON.stringify(result)).not.toContain(secretMemo);
      expect(JSON.stringify(result)).not.toMatch(/"target"|"value"/);
      const badClientId = await api.execute(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '1', quantity: '1', clientOrderId: 'has spaces' }, idempotencyKey: 'spaces-1' }, principalFor(id));
      expect(badClientId.errors?.[0]?.extensions?.fields).toEqual([{ field: 'clientOrderId', messages: expect.any(Array) }]);
    });

    test('decimals must be strings in plain notation; precision and sign are checked as user errors', async () => {
      const id = await fundedAccount(services, { USD: '100' }, 'decimals');
      const asNumber = await api.execute('mutation($p: Decimal!) { placeOrder(input: { market: "BTC-USD", side: BUY, price: $p, quantity: "1" }) { order { id } } }', { p: 30000.5 } as never, principalFor(id));
      expect(asNumber.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const exponent = await api.execute(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '1e5', quantity: '1' } }, principalFor(id));
      expect(exponent.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const precise = await api.execute(CreateTransferDocument, { input: { toAccountId: id, asset: 'USD', amount: '0.001' }, idempotencyKey: 'precise-1' }, principalFor(id));
      expect(precise.data?.createTransfer?.userErrors.map((e) => e.code)).toEqual(['INVALID_AMOUNT']);
    });

    test('a bad Decimal written inline is reported at its place, naming the value; one with too many digits says so', async () => {
      const id = await fundedAccount(services, { USD: '100' }, 'inline-decimals');
      const inline = await api.execute('mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "30000", quantity: "1e-3" }) { order { id } } }', {}, principalFor(id));
      expect(inline.errors).toHaveLength(1);
      expect(inline.errors?.[0]?.message).toBe('Expected value of type "Decimal", found "1e-3"; Decimal values are strings in plain decimal notation, e.g. "30000.50".');
      expect(inline.errors?.[0]?.locations).toEqual([{ line: 1, column: 88 }]);
      const tooLong = await api.execute(CreateTransferDocument, { input: { toAccountId: id, asset: 'USD', amount: '0.0000000000000000001' }, idempotencyKey: 'digits-1' }, principalFor(id));
      expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(tooLong.errors?.[0]?.message).toMatch(/at "input\.amount"; Decimal values have at most 30 digits before the point and 18 after it\.$/);
    });

    test('pagination arguments are validated', async () => {
      const id = await fundedAccount(services, {}, 'pages');
      const tooMany = await api.execute(MyOrdersDocument, { first: 101 }, principalFor(id));
      expect(tooMany.errors?.[0]).toMatchObject({ path: ['me', 'orders'], extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
      const badCursor = await api.execute(MyOrdersDocument, { after: 'not-a-cursor' }, principalFor(id));
      expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });
  });
}
