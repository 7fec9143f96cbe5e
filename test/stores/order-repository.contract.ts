import { randomBytes, randomUUID } from 'node:crypto';
import { Dec, EXTERNAL_ACCOUNT_ID, type Fill, type Journal, type Order, type PlacementRecord, type TradingRepository } from '../../src/domain';
import { createSqlTradingRepository, type SqlExecutor } from '../../src/stores/postgres';
import type { TestDatabase } from '../helpers/database';

/** A market name no other test uses: the repository takes any symbol, so each test has a book of its own. */
const freshMarket = () => `T${randomBytes(3).toString('hex').toUpperCase()}-USD`;
const at = (iso: string) => new Date(iso);

/** An order row with every column set; a resting LIMIT BUY unless overridden. */
function orderRow(accountId: string, market: string, overrides: Partial<Omit<Order, 'seq'>> = {}): Omit<Order, 'seq'> {
  return {
    id: randomUUID(), accountId, market, side: 'BUY', type: 'LIMIT', price: '100', quantity: '2', quoteQuantity: null, timeInForce: 'GTC',
    postOnly: false, selfTradePrevention: 'CANCEL_NEWEST', clientOrderId: null, status: 'OPEN', statusReason: null, filledQuantity: '0', filledQuote: '0',
    holdAsset: 'USD', holdAmount: '200', holdRemaining: '200', apiKeyId: null, canceledByApiKeyId: null, createdAt: at('2030-01-01T00:00:00Z'), updatedAt: at('2030-01-01T00:00:00Z'), ...overrides,
  };
}

/** A fill row of `order`; a TAKER fill of 1 at the order's price unless overridden. */
function fillRow(order: Omit<Order, 'seq'>, tradeId: string, overrides: Partial<Omit<Fill, 'sequence'>> = {}): Omit<Fill, 'sequence'> {
  return {
    id: randomUUID(), tradeId, orderId: order.id, accountId: order.accountId, market: order.market, side: order.side, price: order.price ?? '100', quantity: '1',
    quoteAmount: order.price ?? '100', fee: '0', feeAsset: order.side === 'BUY' ? 'BTC' : 'USD', liquidity: 'TAKER', createdAt: at('2030-01-01T00:00:00Z'), ...overrides,
  };
}

/** An account with zero balances, written by `repo`. */
async function account(repo: TradingRepository): Promise<string> {
  const id = randomUUID();
  if (!(await repo.insertAccount({ id, name: `repo-${id.slice(0, 8)}`, createdAt: new Date() }))) throw new Error('account not inserted');
  return id;
}

/** Available balances of an account, by asset. */
async function available(repo: TradingRepository, accountId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await repo.listBalances(accountId)).map((b) => [b.asset, b.available]));
}

/** Records a placement of `row` with the given fills, resting-order updates and journals; throws unless all of it applied. */
async function insert(repo: TradingRepository, row: Omit<Order, 'seq'>, extra: Partial<Omit<PlacementRecord, 'order'>> = {}): Promise<Order> {
  const recorded = await repo.recordPlacement({ order: row, makerUpdates: [], fills: [], journals: [], openOrderLimit: null, ...extra });
  if (recorded === 'duplicate' || recorded === 'tooManyOpenOrders') throw new Error(`unexpected ${recorded}`);
  if (recorded.refused.length > 0) throw new Error(`refused: ${JSON.stringify(recorded.refused)}`);
  return recorded.order;
}

/** An ORDER_HOLD or ORDER_RELEASE journal of `amount` USD for `accountId`. */
const holdUsd = (accountId: string, amount: string, release = false): Journal => ({
  id: randomUUID(), kind: release ? 'ORDER_RELEASE' : 'ORDER_HOLD', reference: randomUUID(), createdAt: new Date(), postings: [
    { accountId, asset: 'USD', bucket: release ? 'held' : 'available', amount: `-${amount}` }, { accountId, asset: 'USD', bucket: release ? 'available' : 'held', amount },
  ],
});

/** A journal moving available `amount` of `asset` from one account to another. */
const move = (from: string, to: string, asset: 'USD' | 'BTC', amount: string): Journal => ({
  id: randomUUID(), kind: 'TRANSFER', reference: randomUUID(), createdAt: new Date(), postings: [
    { accountId: from, asset, bucket: 'available', amount: `-${amount}` }, { accountId: to, asset, bucket: 'available', amount },
  ],
});

/**
 * The repository methods of matching, one by one, on every SQL engine. Registered inside the
 * trading store contract, which gives the database and the services over it.
 */
export function defineOrderRepositoryContract(context: () => { db: TestDatabase }): void {
  /**
   * Runs `work` on a repository inside one transaction that is rolled back after it: the rows it
   * writes by hand (orders without their holds, fills without their journals) never reach the
   * books the rest of the suite reconciles.
   */
  const scratch = async (work: (repo: TradingRepository, tx: SqlExecutor) => Promise<void>) => {
    const rollback = new Error('rolled back');
    try {
      await context().db.driver.begin(async (tx) => {
        await work(createSqlTradingRepository(tx), tx);
        throw rollback;
      });
    } catch (error) {
      if (error !== rollback) throw error;
    }
  };

  test('lockMarket advances the market\'s book sequence; lockMarketOfOrder locks the market of the account\'s own order only', () => scratch(async (repo) => {
    const market = freshMarket();
    const first = await repo.lockMarket(market);
    const second = await repo.lockMarket(market);
    expect(second).toBe(first + 1);
    const owner = await account(repo);
    const order = await insert(repo, orderRow(owner, market));
    expect(await repo.lockMarketOfOrder(order.id, owner)).toEqual({ market, live: true });
    expect((await repo.orderBook(market, 1)).sequence).toBe(second + 1);
    // An ended order's market is named, not locked: its book sequence stays.
    const ended = await insert(repo, orderRow(owner, market, { status: 'CANCELED', statusReason: 'CANCELED_BY_USER', holdRemaining: '0' }));
    expect(await repo.lockMarketOfOrder(ended.id, owner)).toEqual({ market, live: false });
    expect((await repo.orderBook(market, 1)).sequence).toBe(second + 1);
    expect(await repo.liveOrderMarkets(owner)).toEqual([market]);
    expect(await repo.liveOrderMarkets(owner, 'key_none')).toEqual([]);
    expect(await repo.lockMarketOfOrder(order.id, await account(repo))).toBeNull();
    expect(await repo.lockMarketOfOrder(randomUUID(), owner)).toBeNull();
    expect(await repo.lockMarketOfOrder('not-a-uuid', owner)).toBeNull();
    expect((await repo.orderBook(market, 1)).sequence).toBe(second + 1);
  }));

  test('recordPlacement stores the order\'s every column as given (the store assigns seq); a reused clientOrderId is "duplicate"', () => scratch(async (repo) => {
    const owner = await account(repo);
    const row = orderRow(owner, freshMarket(), {
      side: 'BUY', type: 'MARKET', price: null, quantity: '0.12345678', quoteQuantity: '5000.25', timeInForce: 'FOK', postOnly: false, selfTradePrevention: 'CANCEL_BOTH',
      clientOrderId: 'round-trip', status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', filledQuote: '0', holdAmount: '5000.25', holdRemaining: '0',
      apiKeyId: 'key_0123456789abcdef01234567', canceledByApiKeyId: 'key_0123456789abcdef01234567', createdAt: at('2030-02-03T04:05:06.789Z'), updatedAt: at('2030-02-03T04:05:07Z'),
    });
    const inserted = await insert(repo, row);
    expect(inserted).toEqual({ ...row, seq: expect.any(Number) });
    expect(await repo.findOrder(row.id)).toEqual(inserted);
    expect(await repo.findOrderByClientOrderId(owner, 'round-trip')).toEqual(inserted);
    const resting = await insert(repo, orderRow(owner, row.market, { side: 'SELL', price: '99.5', postOnly: true, selfTradePrevention: 'CANCEL_OLDEST', status: 'PARTIALLY_FILLED', filledQuantity: '0.5', filledQuote: '49.75', holdAsset: 'BTC', holdAmount: '2', holdRemaining: '1.5' }));
    expect(await repo.findOrder(resting.id)).toMatchObject({ side: 'SELL', price: '99.5', postOnly: true, selfTradePrevention: 'CANCEL_OLDEST', status: 'PARTIALLY_FILLED', filledQuantity: '0.5', filledQuote: '49.75', holdRemaining: '1.5' });
    expect(resting.seq).toBeGreaterThan(inserted.seq);
    expect(resting.apiKeyId).toBeNull();
    expect(resting.canceledByApiKeyId).toBeNull();
    expect(await repo.recordPlacement({ order: orderRow(owner, row.market, { clientOrderId: 'round-trip' }), makerUpdates: [], fills: [], journals: [], openOrderLimit: null })).toBe('duplicate');
  }));

  test('recordPlacement writes nothing at all for a duplicate clientOrderId: no resting-order update, fill, journal or balance change', () => scratch(async (repo, tx) => {
    const market = freshMarket();
    const owner = await account(repo);
    expect(await repo.postJournals([move(EXTERNAL_ACCOUNT_ID, owner, 'USD', '500')])).toBe(true);
    const resting = await insert(repo, orderRow(owner, market, { side: 'SELL', holdAsset: 'BTC', holdAmount: '2', holdRemaining: '2' }));
    await insert(repo, orderRow(owner, market, { clientOrderId: 'taken', holdAmount: '0', holdRemaining: '0', status: 'CANCELED', statusReason: 'CANCELED_BY_USER' }));
    const again = orderRow(owner, market, { clientOrderId: 'taken' });
    const hold = holdUsd(owner, '200');
    expect(await repo.recordPlacement({
      order: again, journals: [hold], fills: [fillRow(again, randomUUID())],
      makerUpdates: [{ id: resting.id, status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', filledQuote: '0', holdRemaining: '0', canceledByApiKeyId: 'key_a' }],
      openOrderLimit: null,
    })).toBe('duplicate');
    expect(await repo.findOrder(resting.id)).toEqual(resting);
    expect(await repo.findOrder(again.id)).toBeNull();
    expect((await repo.listFills({ accountId: owner, limit: 10 })).items).toEqual([]);
    expect(await tx.query('SELECT 1 FROM journals WHERE id = $1', [hold.id])).toEqual([]);
    expect(await available(repo, owner)).toMatchObject({ USD: '500' });
  }));

  test('recordPlacement rests an order only within its openOrderLimit of live orders of the account in the market; over it, nothing is written (a reused clientOrderId is still "duplicate")', () => scratch(async (repo, tx) => {
    const market = freshMarket();
    const owner = await account(repo);
    expect(await repo.postJournals([move(EXTERNAL_ACCOUNT_ID, owner, 'USD', '1000')])).toBe(true);
    await insert(repo, orderRow(owner, market, { clientOrderId: 'first' }), { journals: [holdUsd(owner, '200')] });
    await insert(repo, orderRow(owner, market, { holdAmount: '0', holdRemaining: '0', status: 'CANCELED', statusReason: 'CANCELED_BY_USER' }));
    // Another market's live orders do not count.
    await insert(repo, orderRow(owner, freshMarket()));
    const next = orderRow(owner, market);
    const hold = holdUsd(owner, '200');
    expect(await repo.recordPlacement({ order: next, makerUpdates: [], fills: [], journals: [hold], openOrderLimit: 1 })).toBe('tooManyOpenOrders');
    expect(await repo.findOrder(next.id)).toBeNull();
    expect(await tx.query('SELECT 1 FROM journals WHERE id = $1', [hold.id])).toEqual([]);
    expect(await repo.recordPlacement({ order: orderRow(owner, market, { clientOrderId: 'first' }), makerUpdates: [], fills: [], journals: [], openOrderLimit: 1 })).toBe('duplicate');
    const placed = await repo.recordPlacement({ order: next, makerUpdates: [], fills: [], journals: [hold], openOrderLimit: 2 });
    expect(placed).toMatchObject({ order: { id: next.id }, refused: [] });
  }));

  test('recordPlacement checks its journals as if posted one after another: a hold that a later release returns must still fit first', () => scratch(async (repo, tx) => {
    const market = freshMarket();
    const owner = await account(repo);
    expect(await repo.postJournals([move(EXTERNAL_ACCOUNT_ID, owner, 'USD', '150')])).toBe(true);
    // Net, hold 200 then release 200 changes nothing; in turn, the hold needs 200 and there are 150.
    await tx.query('SAVEPOINT short');
    const short = await repo.recordPlacement({ order: orderRow(owner, market, { holdRemaining: '0', status: 'EXPIRED', statusReason: 'IOC_REMAINDER' }), makerUpdates: [], fills: [], journals: [holdUsd(owner, '200'), holdUsd(owner, '200', true)], openOrderLimit: null });
    expect(short).toMatchObject({ refused: [{ accountId: owner, asset: 'USD' }] });
    await tx.query('ROLLBACK TO SAVEPOINT short');
    const fits = await insert(repo, orderRow(owner, market, { quantity: '1.5', holdAmount: '150', holdRemaining: '0', status: 'EXPIRED', statusReason: 'IOC_REMAINDER' }), { journals: [holdUsd(owner, '150'), holdUsd(owner, '150', true)] });
    expect(await repo.findOrder(fits.id)).toEqual(fits);
    expect(Object.fromEntries((await repo.listBalances(owner)).map((b) => [b.asset, [b.available, b.held]]))).toMatchObject({ USD: ['150', '0'] });
  }));

  test('readBook gives live orders only, best price first then oldest first, within the limit price, paged by (price, seq)', () => scratch(async (repo) => {
    const market = freshMarket();
    const owner = await account(repo);
    const ask = (price: string, extra: Partial<Omit<Order, 'seq'>> = {}) => insert(repo, orderRow(owner, market, { side: 'SELL', price, holdAsset: 'BTC', holdAmount: '2', holdRemaining: '2', ...extra }));
    const bid = (price: string, extra: Partial<Omit<Order, 'seq'>> = {}) => insert(repo, orderRow(owner, market, { price, ...extra }));
    const a101 = await ask('101');
    const a100 = await ask('100', { status: 'PARTIALLY_FILLED', filledQuantity: '0.5', filledQuote: '50', holdRemaining: '1.5' });
    const a100b = await ask('100');
    const a102 = await ask('102');
    await ask('90', { status: 'FILLED', filledQuantity: '2', filledQuote: '180', holdRemaining: '0' });
    await ask('91', { status: 'CANCELED', statusReason: 'CANCELED_BY_USER', holdRemaining: '0' });
    const b99 = await bid('99');
    const b98 = await bid('98');
    const b99b = await bid('99');
    await bid('110', { status: 'EXPIRED', statusReason: 'IOC_REMAINDER', holdRemaining: '0' });
    const read = (side: 'BUY' | 'SELL', limitPrice: string | null, after: { price: string; seq: number } | null = null, limit = 10) =>
      repo.readBook({ market, side, limitPrice: limitPrice === null ? null : new Dec(limitPrice), after: after && { price: new Dec(after.price), seq: after.seq }, limit });
    const ids = (entries: ReadonlyArray<{ id: string }>) => entries.map((e) => e.id);

    expect(ids(await read('SELL', null))).toEqual([a100.id, a100b.id, a101.id, a102.id]);
    expect(ids(await read('BUY', null))).toEqual([b99.id, b99b.id, b98.id]);
    expect(ids(await read('SELL', '101'))).toEqual([a100.id, a100b.id, a101.id]);
    expect(ids(await read('BUY', '99'))).toEqual([b99.id, b99b.id]);
    expect(await read('SELL', '99.99')).toEqual([]);
    const firstPage = await read('SELL', null, null, 2);
    expect(ids(firstPage)).toEqual([a100.id, a100b.id]);
    expect(ids(await read('SELL', null, { price: '100', seq: a100b.seq }))).toEqual([a101.id, a102.id]);
    expect(ids(await read('SELL', null, { price: '100', seq: a100.seq }))).toEqual([a100b.id, a101.id, a102.id]);
    expect(ids(await read('BUY', null, { price: '99', seq: b99.seq }))).toEqual([b99b.id, b98.id]);
    expect(firstPage[0]).toEqual({ id: a100.id, accountId: owner, price: '100', remaining: '1.5', seq: a100.seq, filledQuantity: '0.5', filledQuote: '50', holdRemaining: '1.5' });
  }));

  test('recordPlacement writes the fill state of each resting order given, and only those, updated at the placement\'s time', () => scratch(async (repo) => {
    const market = freshMarket();
    const owner = await account(repo);
    const [one, two, untouched] = [await insert(repo, orderRow(owner, market)), await insert(repo, orderRow(owner, market)), await insert(repo, orderRow(owner, market))];
    const when = at('2030-03-01T00:00:00Z');
    await insert(repo, orderRow(await account(repo), market, { side: 'SELL', holdAsset: 'BTC', holdAmount: '0', holdRemaining: '0', status: 'EXPIRED', statusReason: 'IOC_REMAINDER', createdAt: when, updatedAt: when }), {
      makerUpdates: [
        { id: one.id, status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.5', filledQuote: '49.995', holdRemaining: '150', canceledByApiKeyId: null },
        { id: two.id, status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', filledQuote: '0', holdRemaining: '0', canceledByApiKeyId: 'key_stp' },
      ],
    });
    expect(await repo.findOrder(one.id)).toEqual({ ...one, status: 'PARTIALLY_FILLED', filledQuantity: '0.5', filledQuote: '49.995', holdRemaining: '150', updatedAt: when });
    expect(await repo.findOrder(two.id)).toEqual({ ...two, status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', holdRemaining: '0', canceledByApiKeyId: 'key_stp', updatedAt: when });
    expect(await repo.findOrder(untouched.id)).toEqual(untouched);
  }));

  test('recordPlacement numbers the fills in the order given; listFills pages them newest first by account, order or market', () => scratch(async (repo) => {
    const market = freshMarket();
    const [buyer, seller] = [await account(repo), await account(repo)];
    const buy = orderRow(buyer, market);
    const sell = orderRow(seller, market, { side: 'SELL', holdAsset: 'BTC', holdAmount: '2', holdRemaining: '2' });
    await insert(repo, sell);
    const [t1, t2] = [randomUUID(), randomUUID()];
    const fills = [
      fillRow(sell, t1, { liquidity: 'MAKER', quantity: '0.5', quoteAmount: '50', fee: '0.05' }), fillRow(buy, t1, { quantity: '0.5', quoteAmount: '50', fee: '0.001' }),
      fillRow(sell, t2, { liquidity: 'MAKER', quantity: '0.25', quoteAmount: '25', fee: '0.02' }), fillRow(buy, t2, { quantity: '0.25', quoteAmount: '25', fee: '0.0005' }),
    ];
    await insert(repo, buy, { fills });
    const all = await repo.listFills({ accountId: buyer, limit: 10 });
    expect(all.items.map((f) => f.id)).toEqual([fills[3].id, fills[1].id]);
    const bySell = (await repo.listFills({ orderId: sell.id, limit: 10 })).items;
    expect(bySell.map(({ sequence, ...f }) => f)).toEqual([fills[2], fills[0]]);
    const trades = (await repo.listFills({ market, liquidity: 'TAKER', limit: 10 })).items;
    expect(trades.map((f) => f.id)).toEqual([fills[3].id, fills[1].id]);
    // Each fill's sequence follows the array: maker row, then taker row, trade after trade.
    const sequences = [...bySell, ...trades].sort((a, b) => a.sequence - b.sequence).map((f) => f.id);
    expect(sequences).toEqual(fills.map((f) => f.id));

    expect((await repo.listFills({ accountId: buyer, market, limit: 10 })).items).toHaveLength(2);
    expect((await repo.listFills({ accountId: buyer, market: freshMarket(), limit: 10 })).items).toEqual([]);
    expect((await repo.listFills({ orderId: sell.id, liquidity: 'TAKER', limit: 10 })).items).toEqual([]);
    expect((await repo.listFills({ orderId: buy.id, liquidity: 'TAKER', limit: 10 })).items.map((f) => f.id)).toEqual([fills[3].id, fills[1].id]);
    const page = await repo.listFills({ market, liquidity: 'TAKER', limit: 1 });
    expect({ ids: page.items.map((f) => f.id), more: page.hasNextPage }).toEqual({ ids: [fills[3].id], more: true });
    const rest = await repo.listFills({ market, liquidity: 'TAKER', limit: 1, beforeSeq: page.items[0].sequence });
    expect({ ids: rest.items.map((f) => f.id), more: rest.hasNextPage }).toEqual({ ids: [fills[1].id], more: false });

    // Many orders at once: each its own page, in the order asked, an unknown or malformed id an empty one.
    const pages = await repo.listFillsOfOrders([buy.id, randomUUID(), sell.id, 'not-a-uuid'], { limit: 1 });
    expect(pages.map((p) => ({ ids: p.items.map((f) => f.id), more: p.hasNextPage }))).toEqual([
      { ids: [fills[3].id], more: true }, { ids: [], more: false }, { ids: [fills[2].id], more: true }, { ids: [], more: false },
    ]);
    const after = await repo.listFillsOfOrders([sell.id, buy.id], { limit: 5, beforeSeq: bySell[0].sequence });
    expect(after.map((p) => p.items.map((f) => f.id))).toEqual([[fills[0].id], [fills[1].id]]);
    expect(await repo.listFillsOfOrders([], { limit: 5 })).toEqual([]);
    // An order asked for twice (one request reaching it through two lists) gets its own page each time, not the fills twice.
    const twice = await repo.listFillsOfOrders([buy.id, sell.id, buy.id], { limit: 2 });
    expect(twice.map((p) => ({ ids: p.items.map((f) => f.id), more: p.hasNextPage }))).toEqual([
      { ids: [fills[3].id, fills[1].id], more: false }, { ids: [fills[2].id, fills[0].id], more: false }, { ids: [fills[3].id, fills[1].id], more: false },
    ]);
  }));

  test('cancelLiveOrders cancels one live order, or every live order of the account in the markets given, records the key that canceled them, and returns what each held', () => scratch(async (repo) => {
    const [m1, m2] = [freshMarket(), freshMarket()];
    const [owner, other] = [await account(repo), await account(repo)];
    const when = at('2030-04-01T00:00:00Z');
    const single = await insert(repo, orderRow(owner, m1, { status: 'PARTIALLY_FILLED', filledQuantity: '1', filledQuote: '100', holdRemaining: '100' }));
    const [one] = await repo.cancelLiveOrders({ accountId: owner, orderId: single.id, reason: 'CANCELED_BY_USER', apiKeyId: 'key_one', at: when });
    expect(one).toEqual({ order: { ...single, status: 'CANCELED', statusReason: 'CANCELED_BY_USER', holdRemaining: '0', canceledByApiKeyId: 'key_one', updatedAt: when }, released: '100' });
    expect(await repo.findOrder(single.id)).toEqual(one.order);
    // Canceled once: a second cancel by another key changes nothing, the first key stays recorded.
    expect(await repo.cancelLiveOrders({ accountId: owner, orderId: single.id, reason: 'CANCELED_BY_USER', apiKeyId: 'key_two', at: when })).toEqual([]);
    expect((await repo.findOrder(single.id))?.canceledByApiKeyId).toBe('key_one');
    expect(await repo.cancelLiveOrders({ accountId: other, orderId: (await insert(repo, orderRow(owner, m1))).id, reason: 'CANCELED_BY_USER', apiKeyId: null, at: when })).toEqual([]);

    const inM1 = await insert(repo, orderRow(owner, m1, { holdRemaining: '150' }));
    const inM2 = await insert(repo, orderRow(owner, m2, { side: 'SELL', holdAsset: 'BTC', holdAmount: '2', holdRemaining: '2' }));
    const filled = await insert(repo, orderRow(owner, m2, { status: 'FILLED', filledQuantity: '2', filledQuote: '200', holdRemaining: '0' }));
    const othersOrder = await insert(repo, orderRow(other, m2));
    const canceled = await repo.cancelLiveOrders({ accountId: owner, markets: [m2], reason: 'CANCELED_BY_USER', apiKeyId: 'key_all', at: when });
    expect(canceled.map((c) => [c.order.id, c.order.status, c.order.canceledByApiKeyId, c.released])).toEqual([[inM2.id, 'CANCELED', 'key_all', '2']]);
    expect((await repo.findOrder(filled.id))?.canceledByApiKeyId).toBeNull();
    expect((await repo.findOrder(filled.id))?.status).toBe('FILLED');
    expect((await repo.findOrder(othersOrder.id))?.status).toBe('OPEN');
    expect((await repo.findOrder(inM1.id))?.status).toBe('OPEN');
    const both = await repo.cancelLiveOrders({ accountId: owner, markets: [m1, m2], reason: 'CANCELED_BY_USER', apiKeyId: null, at: when });
    expect(both.map((c) => c.order.canceledByApiKeyId)).toEqual([null, null]);
    expect(new Set(both.map((c) => c.released))).toEqual(new Set(['150', '200']));
    expect(both).toHaveLength(2);

    // placedByApiKeyId: only the live orders that key placed.
    const byKey = await insert(repo, orderRow(owner, m1, { apiKeyId: 'key_placer' }));
    const byOtherKey = await insert(repo, orderRow(owner, m1, { apiKeyId: 'key_other' }));
    const byOperator = await insert(repo, orderRow(owner, m2));
    const filledByKey = await insert(repo, orderRow(owner, m2, { apiKeyId: 'key_placer', status: 'FILLED', filledQuantity: '2', filledQuote: '200', holdRemaining: '0' }));
    const scoped = await repo.cancelLiveOrders({ accountId: owner, markets: [m1, m2], placedByApiKeyId: 'key_placer', reason: 'CANCELED_BY_USER', apiKeyId: 'key_other', at: when });
    expect(scoped.map((c) => [c.order.id, c.order.canceledByApiKeyId])).toEqual([[byKey.id, 'key_other']]);
    for (const untouched of [byOtherKey, byOperator, filledByKey]) expect(await repo.findOrder(untouched.id)).toEqual(untouched);
  }));

  test('listOrders filters by status, by live (OPEN or PARTIALLY_FILLED) and by market, newest first, paged', () => scratch(async (repo) => {
    const [m1, m2] = [freshMarket(), freshMarket()];
    const owner = await account(repo);
    const open1 = await insert(repo, orderRow(owner, m1));
    const filled = await insert(repo, orderRow(owner, m1, { status: 'FILLED', filledQuantity: '2', filledQuote: '200', holdRemaining: '0' }));
    const partly = await insert(repo, orderRow(owner, m2, { status: 'PARTIALLY_FILLED', filledQuantity: '1', filledQuote: '100', holdRemaining: '100' }));
    const expired = await insert(repo, orderRow(owner, m2, { status: 'EXPIRED', statusReason: 'IOC_REMAINDER', holdRemaining: '0' }));
    const open2 = await insert(repo, orderRow(owner, m2));
    await insert(repo, orderRow(await account(repo), m2));
    const list = async (q: Parameters<TradingRepository['listOrders']>[1]) => (await repo.listOrders(owner, q)).items.map((o) => o.id);

    expect(await list({ limit: 10 })).toEqual([open2.id, expired.id, partly.id, filled.id, open1.id]);
    expect(await list({ limit: 10, live: true })).toEqual([open2.id, partly.id, open1.id]);
    expect(await list({ limit: 10, status: 'OPEN' })).toEqual([open2.id, open1.id]);
    expect(await list({ limit: 10, live: true, status: 'PARTIALLY_FILLED' })).toEqual([partly.id]);
    expect(await list({ limit: 10, live: true, status: 'FILLED' })).toEqual([]);
    expect(await list({ limit: 10, status: 'FILLED' })).toEqual([filled.id]);
    expect(await list({ limit: 10, market: m2 })).toEqual([open2.id, expired.id, partly.id]);
    expect(await list({ limit: 10, market: m2, live: true })).toEqual([open2.id, partly.id]);
    const first = await repo.listOrders(owner, { limit: 1, live: true });
    expect(first.hasNextPage).toBe(true);
    const next = await repo.listOrders(owner, { limit: 1, live: true, beforeSeq: first.items[0].seq });
    expect({ ids: next.items.map((o) => o.id), more: next.hasNextPage }).toEqual({ ids: [partly.id], more: true });
    expect(await list({ limit: 10, live: true, beforeSeq: partly.seq })).toEqual([open1.id]);
  }));

  test('orderBook aggregates the live orders of each side into price levels, best first, up to the depth, with the book\'s sequence', () => scratch(async (repo) => {
    const market = freshMarket();
    const owner = await account(repo);
    expect(await repo.orderBook(market, 5)).toEqual({ sequence: 0, lastTradeSequence: null, bids: [], asks: [] });
    const rows: Array<Partial<Omit<Order, 'seq'>>> = [
      { side: 'SELL', price: '101', quantity: '1' }, { side: 'SELL', price: '101', quantity: '2', status: 'PARTIALLY_FILLED', filledQuantity: '0.5', filledQuote: '50.5' },
      { side: 'SELL', price: '103', quantity: '1' }, { side: 'SELL', price: '102', quantity: '4' }, { side: 'SELL', price: '100', quantity: '9', status: 'CANCELED', statusReason: 'CANCELED_BY_USER', holdRemaining: '0' },
      { side: 'BUY', price: '99', quantity: '1' }, { side: 'BUY', price: '98', quantity: '3' }, { side: 'BUY', price: '99', quantity: '0.25' },
      { side: 'BUY', price: '100.5', quantity: '1', status: 'FILLED', filledQuantity: '1', filledQuote: '100.5', holdRemaining: '0' },
    ];
    for (const r of rows) await insert(repo, orderRow(owner, market, r));
    const sequence = await repo.lockMarket(market);
    expect(await repo.orderBook(market, 2)).toEqual({
      sequence, lastTradeSequence: null,
      asks: [{ price: '101', quantity: '2.5', orderCount: 2 }, { price: '102', quantity: '4', orderCount: 1 }],
      bids: [{ price: '99', quantity: '1.25', orderCount: 2 }, { price: '98', quantity: '3', orderCount: 1 }],
    });
    expect((await repo.orderBook(market, 10)).asks.map((l) => l.price)).toEqual(['101', '102', '103']);
  }));

  test('ticker: the last trade\'s price, the best live bid and ask, and the taker volume since the given time; the book\'s lastTradeSequence is that trade\'s', () => scratch(async (repo) => {
    const market = freshMarket();
    const [buyer, seller] = [await account(repo), await account(repo)];
    expect(await repo.ticker(market, at('2030-01-01T00:00:00Z'))).toEqual({ lastPrice: null, bestBid: null, bestAsk: null, volume: '0' });
    const sell = await insert(repo, orderRow(seller, market, { side: 'SELL', price: '99', holdAsset: 'BTC', holdAmount: '2', holdRemaining: '0', status: 'FILLED', filledQuantity: '2', filledQuote: '199' }));
    const buy = orderRow(buyer, market, { price: '100', status: 'FILLED', filledQuantity: '2', filledQuote: '199', holdRemaining: '0' });
    const [old, recent] = [randomUUID(), randomUUID()];
    await insert(repo, buy, {
      fills: [
        fillRow(sell, old, { liquidity: 'MAKER', price: '99.5', createdAt: at('2030-01-01T00:00:00Z') }), fillRow(buy, old, { price: '99.5', createdAt: at('2030-01-01T00:00:00Z') }),
        fillRow(sell, recent, { liquidity: 'MAKER', price: '99.5', createdAt: at('2030-01-02T12:00:00Z') }), fillRow(buy, recent, { price: '99.5', createdAt: at('2030-01-02T12:00:00Z') }),
      ],
    });
    await insert(repo, orderRow(buyer, market, { price: '98.5' }));
    await insert(repo, orderRow(buyer, market, { price: '98.75', status: 'CANCELED', statusReason: 'CANCELED_BY_USER', holdRemaining: '0' }));
    await insert(repo, orderRow(seller, market, { side: 'SELL', price: '101', holdAsset: 'BTC', holdAmount: '2', holdRemaining: '2' }));
    expect(await repo.ticker(market, at('2030-01-01T12:00:00Z'))).toEqual({ lastPrice: '99.5', bestBid: '98.5', bestAsk: '101', volume: '1' });
    expect((await repo.ticker(market, at('2030-01-01T00:00:00Z'))).volume).toBe('2');
    expect((await repo.ticker(market, at('2030-01-03T00:00:00Z'))).volume).toBe('0');
    // The book names the market's latest trade (the taker's fill), read with its levels.
    const latest = (await repo.listFills({ market, liquidity: 'TAKER', limit: 1 })).items[0];
    expect(latest).toMatchObject({ tradeId: recent, liquidity: 'TAKER' });
    expect((await repo.orderBook(market, 1)).lastTradeSequence).toBe(latest.sequence);
    expect((await repo.orderBook(freshMarket(), 1)).lastTradeSequence).toBeNull();
  }));

  test('postJournals applies a batch at once, and answers false when a balance would go negative (nothing stays after rolling back)', () => scratch(async (repo, tx) => {
    const [a, b] = [await account(repo), await account(repo)];
    expect(await repo.postJournals([move(EXTERNAL_ACCOUNT_ID, a, 'USD', '100'), move(EXTERNAL_ACCOUNT_ID, a, 'BTC', '1'), move(EXTERNAL_ACCOUNT_ID, b, 'USD', '10')])).toBe(true);
    expect(await repo.postJournals([move(a, b, 'USD', '30'), move(b, a, 'USD', '5.5'), move(a, b, 'BTC', '0.25')])).toBe(true);
    const before = { a: await available(repo, a), b: await available(repo, b) };
    expect(before).toEqual({ a: { USD: '75.5', BTC: '0.75', ETH: '0' }, b: { USD: '34.5', BTC: '0.25', ETH: '0' } });

    // b receives 1 before it sends 35.51: 0.01 USD short. As a caller does, it is rolled back (here
    // to a savepoint), and nothing of it stays.
    const refused = move(b, a, 'USD', '35.51');
    await tx.query('SAVEPOINT refused');
    expect(await repo.postJournals([move(a, b, 'USD', '1'), refused])).toBe(false);
    await tx.query('ROLLBACK TO SAVEPOINT refused');
    expect({ a: await available(repo, a), b: await available(repo, b) }).toEqual(before);
    expect(await tx.query('SELECT 1 FROM journals WHERE reference = $1', [refused.reference])).toEqual([]);

    // The batch is checked in order, not net: sending 35.5 before receiving 1 is refused, although net it fits.
    await tx.query('SAVEPOINT in_order');
    expect(await repo.postJournals([move(b, a, 'USD', '35.5'), move(a, b, 'USD', '1')])).toBe(false);
    await tx.query('ROLLBACK TO SAVEPOINT in_order');
    expect(await repo.postJournals([move(a, b, 'USD', '1'), move(b, a, 'USD', '35.5')])).toBe(true);
    expect((await available(repo, b)).USD).toBe('0');
  }));

  test('reconcile reports an order whose filled quantity disagrees with its fills', () => scratch(async (repo, tx) => {
    const order = await insert(repo, orderRow(await account(repo), freshMarket(), { holdAmount: '0', holdRemaining: '0', status: 'CANCELED', statusReason: 'CANCELED_BY_USER' }));
    expect((await repo.reconcile()).orderMismatches).toEqual([]);
    await tx.query("UPDATE orders SET filled_quantity = 0.5 WHERE id = $1", [order.id]);
    expect((await repo.reconcile()).orderMismatches).toEqual([{ orderId: order.id, problem: expect.stringMatching(/^filledQuantity 0\.50* but its fills sum to 0$/) }]);
  }));
}
