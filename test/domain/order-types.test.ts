import { Dec, FEE_ACCOUNT_ID, type DomainServices, type Fill, type Order, type PlaceOrderInput } from '../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION, bookCounts } from '../helpers/ledger-checks';

/**
 * The matching rules by example, every amount worked out by hand from the contract (default
 * fees: maker 0.1 %, taker 0.2 %): each order type and time in force, self-trade prevention,
 * post-only, partial fills, MARKET BUY budgets, rounding at the smallest amounts, cancels.
 */

let db: TestDatabase;
let services: DomainServices;
beforeAll(async () => { db = await openPgliteDatabase(); services = servicesFor(db.driver); });
afterAll(async () => db?.close());

// Every test starts from an empty book: what a test leaves resting is canceled after it.
const traders: string[] = [];
afterEach(async () => {
  for (const id of traders.splice(0)) await services.orders.cancelAllOrders(id, null);
  expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
});

/** A fresh account with these deposits, whose orders are canceled after the test. */
async function trader(deposits: Record<string, string> = {}): Promise<string> {
  const id = await fundedAccount(services, deposits, 'types');
  traders.push(id);
  return id;
}

async function place(accountId: string, input: PlaceOrderInput): Promise<Order> {
  const result = await services.orders.placeOrder(accountId, input);
  if (!result.ok) throw new Error(`placement refused: ${result.errors.map((e) => e.code).join(', ')}`);
  return result.value;
}

async function refusal(accountId: string, input: PlaceOrderInput): Promise<string[]> {
  const result = await services.orders.placeOrder(accountId, input);
  return result.ok ? [`placed as ${result.value.status}`] : result.errors.map((e) => e.code);
}

const limit = (side: 'BUY' | 'SELL', price: string, quantity: string, more: Partial<PlaceOrderInput> = {}): PlaceOrderInput =>
  ({ market: 'BTC-USD', side, type: 'LIMIT', price, quantity, ...more });
const marketOrder = (side: 'BUY' | 'SELL', more: Partial<PlaceOrderInput>): PlaceOrderInput => ({ market: 'BTC-USD', side, type: 'MARKET', ...more });

async function stored(order: Order): Promise<Order> {
  return (await services.uow.repo.findOrder(order.id))!;
}

/** The order's fills, oldest first, as the fields a client reads. */
async function fillsOf(order: Order): Promise<Array<Pick<Fill, 'side' | 'price' | 'quantity' | 'quoteAmount' | 'fee' | 'feeAsset' | 'liquidity'>>> {
  const page = await services.orders.listOrderFills(order, { limit: 100 });
  return page.items.slice().reverse().map(({ side, price, quantity, quoteAmount, fee, feeAsset, liquidity }) => ({ side, price, quantity, quoteAmount, fee, feeAsset, liquidity }));
}

/** The fee account's balances now, to measure what a test adds to them. */
async function feeAccount(): Promise<Record<string, Dec>> {
  return Object.fromEntries((await services.uow.repo.listBalances(FEE_ACCOUNT_ID)).map((b) => [b.asset, new Dec(b.available)]));
}
async function feesSince(before: Record<string, Dec>): Promise<Record<string, string>> {
  const now = await feeAccount();
  return Object.fromEntries(Object.keys(now).map((asset) => [asset, now[asset].minus(before[asset]).toFixed()]));
}

/** The fields that say where an order stands. */
const state = (o: Order) => ({ status: o.status, statusReason: o.statusReason, filledQuantity: o.filledQuantity, holdRemaining: o.holdRemaining });

describe('LIMIT orders', () => {
  test('GTC: a BUY that trades below its limit and rests keeps only what its rest costs at its limit; the saving is available at once', async () => {
    const seller1 = await trader({ BTC: '1' });
    const seller2 = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '50000' });
    await place(seller1, limit('SELL', '20000', '0.5'));
    // Hold 30 000 × 1 = 30 000; 0.5 bought at 20 000 costs 10 000; the rest (0.5) at 30 000 needs 15 000:
    // 5 000 saved below the limit goes back now (it stayed held until the order ended).
    const bid = await place(buyer, limit('BUY', '30000', '1'));
    expect(state(bid)).toEqual({ status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.5', holdRemaining: '15000' });
    expect(state(await stored(bid))).toEqual(state(bid));
    expect((await balancesOf(services, buyer)).USD).toEqual({ available: '25000', held: '15000' });
    // The rest fills at its own price: the hold is used up exactly.
    await place(seller2, limit('SELL', '30000', '0.5'));
    expect(state(await stored(bid))).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '1', holdRemaining: '0' });
    expect((await balancesOf(services, buyer)).USD).toEqual({ available: '25000', held: '0' });
  });

  test('GTC: a BUY crossing two asks trades at each maker\'s price, fills one ask and part of the other, and releases exactly the hold it did not use', async () => {
    const fees = await feeAccount();
    const seller1 = await trader({ BTC: '1' });
    const seller2 = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    const ask1 = await place(seller1, limit('SELL', '29000', '0.5'));
    const ask2 = await place(seller2, limit('SELL', '29500', '0.5'));
    expect([state(ask1), state(ask2)]).toEqual([
      { status: 'OPEN', statusReason: null, filledQuantity: '0', holdRemaining: '0.5' }, { status: 'OPEN', statusReason: null, filledQuantity: '0', holdRemaining: '0.5' },
    ]);

    // Hold 30 000 × 0.8 = 24 000; cost 0.5 × 29 000 + 0.3 × 29 500 = 14 500 + 8 850 = 23 350; 650 released.
    const bid = await place(buyer, limit('BUY', '30000', '0.8'));
    expect(bid).toMatchObject({ status: 'FILLED', statusReason: null, quantity: '0.8', filledQuantity: '0.8', filledQuote: '23350', holdAmount: '24000', holdRemaining: '0' });
    expect(await fillsOf(bid)).toEqual([
      { side: 'BUY', price: '29000', quantity: '0.5', quoteAmount: '14500', fee: '0.001', feeAsset: 'BTC', liquidity: 'TAKER' },
      { side: 'BUY', price: '29500', quantity: '0.3', quoteAmount: '8850', fee: '0.0006', feeAsset: 'BTC', liquidity: 'TAKER' },
    ]);
    expect(state(await stored(ask1))).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '0.5', holdRemaining: '0' });
    expect(state(await stored(ask2))).toEqual({ status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.3', holdRemaining: '0.2' });
    expect(await fillsOf(ask2)).toEqual([{ side: 'SELL', price: '29500', quantity: '0.3', quoteAmount: '8850', fee: '8.85', feeAsset: 'USD', liquidity: 'MAKER' }]);

    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '76650', held: '0' }, BTC: { available: '0.7984', held: '0' } });
    expect(await balancesOf(services, seller1)).toMatchObject({ USD: { available: '14485.5', held: '0' }, BTC: { available: '0.5', held: '0' } });
    expect(await balancesOf(services, seller2)).toMatchObject({ USD: { available: '8841.15', held: '0' }, BTC: { available: '0.5', held: '0.2' } });
    expect(await feesSince(fees)).toMatchObject({ BTC: '0.0016', USD: '23.35' });
    expect(await services.marketData.orderBook('BTC-USD', 10)).toMatchObject({ bids: [], asks: [{ price: '29500', quantity: '0.2', orderCount: 1 }] });
  });

  test('GTC: a BUY partly filled below its limit rests holding what its rest needs, and a cancel releases all of it', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    await place(seller, limit('SELL', '29000', '0.5'));
    const bid = await place(buyer, limit('BUY', '30000', '0.8'));
    // 24 000 held, 14 500 paid: the rest (0.3) needs 9 000 at its limit, so the 500 saved is released at once.
    expect(state(bid)).toEqual({ status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.5', holdRemaining: '9000' });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '76500', held: '9000' } });
    expect(await services.marketData.orderBook('BTC-USD', 10)).toMatchObject({ bids: [{ price: '30000', quantity: '0.3', orderCount: 1 }], asks: [] });

    const canceled = await services.orders.cancelOrder(buyer, bid.id);
    expect(canceled.ok && state(canceled.value)).toEqual({ status: 'CANCELED', statusReason: 'CANCELED_BY_USER', filledQuantity: '0.5', holdRemaining: '0' });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '85500', held: '0' }, BTC: { available: '0.499', held: '0' } });
  });

  test('a SELL taker trades at the bids\' prices, best first, and is paid the buyer\'s rounded-up cost less its fee', async () => {
    const buyer = await trader({ USD: '100' });
    const seller = await trader({ BTC: '1' });
    // 0.00003 × 29 000.03 = 0.8700009 → the buyer pays 0.88 (its hold was rounded up the same way).
    const bid = await place(buyer, limit('BUY', '29000.03', '0.00003'));
    expect(bid.holdAmount).toBe('0.88');
    const ask = await place(seller, limit('SELL', '29000', '0.00005'));
    expect(state(ask)).toEqual({ status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.00003', holdRemaining: '0.00002' });
    expect(await fillsOf(ask)).toEqual([{ side: 'SELL', price: '29000.03', quantity: '0.00003', quoteAmount: '0.88', fee: '0', feeAsset: 'USD', liquidity: 'TAKER' }]);
    expect(await balancesOf(services, seller)).toMatchObject({ USD: { available: '0.88', held: '0' }, BTC: { available: '0.99995', held: '0.00002' } });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '99.12', held: '0' }, BTC: { available: '0.00002997', held: '0' } });
  });

  test('IOC: the remainder expires (IOC_REMAINDER) with its hold released; with nothing to cross it expires unfilled', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    await place(seller, limit('SELL', '29000', '0.5'));
    const ioc = await place(buyer, limit('BUY', '30000', '0.8', { timeInForce: 'IOC' }));
    expect(state(ioc)).toEqual({ status: 'EXPIRED', statusReason: 'IOC_REMAINDER', filledQuantity: '0.5', holdRemaining: '0' });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '85500', held: '0' } });

    const unfilled = await place(buyer, limit('BUY', '30000', '0.1', { timeInForce: 'IOC' }));
    expect(state(unfilled)).toEqual({ status: 'EXPIRED', statusReason: 'IOC_REMAINDER', filledQuantity: '0', holdRemaining: '0' });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '85500', held: '0' } });
    expect(await services.marketData.orderBook('BTC-USD', 10)).toMatchObject({ bids: [], asks: [] });
  });

  test('FOK: all of it fills across several makers, or nothing at all changes', async () => {
    const seller1 = await trader({ BTC: '1' });
    const seller2 = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    const ask1 = await place(seller1, limit('SELL', '29000', '0.5'));
    const ask2 = await place(seller2, limit('SELL', '29500', '0.2'));

    const counts = await bookCounts(db.driver);
    const balances = await balancesOf(services, buyer);
    const notFillable = await place(buyer, limit('BUY', '30000', '0.8', { timeInForce: 'FOK' }));
    expect(state(notFillable)).toEqual({ status: 'EXPIRED', statusReason: 'FOK_NOT_FILLABLE', filledQuantity: '0', holdRemaining: '0' });
    expect(await fillsOf(notFillable)).toEqual([]);
    expect(await balancesOf(services, buyer)).toEqual(balances);
    expect([state(await stored(ask1)), state(await stored(ask2))].map((s) => s.status)).toEqual(['OPEN', 'OPEN']);
    // The order, its hold and its release are recorded; no trade.
    expect(await bookCounts(db.driver)).toEqual({ ...counts, orders: counts.orders + 1, journals: counts.journals + 2, ledgerEntries: counts.ledgerEntries + 4 });

    const fillable = await place(buyer, limit('BUY', '30000', '0.7', { timeInForce: 'FOK' }));
    expect(state(fillable)).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '0.7', holdRemaining: '0' });
    expect(fillable.filledQuote).toBe('20400');
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '79600', held: '0' } });
  });

  test('FOK: refused for want of funds even when it could not fill (the hold comes first)', async () => {
    const buyer = await trader({ USD: '100' });
    const counts = await bookCounts(db.driver);
    expect(await refusal(buyer, limit('BUY', '30000', '1', { timeInForce: 'FOK' }))).toEqual(['INSUFFICIENT_FUNDS']);
    expect(await bookCounts(db.driver)).toEqual(counts);
  });
});

describe('a sweep through more of the book than one read holds', () => {
  test('a BUY taking 65 of 70 asks (read 8, then 50 at a time) fills them in price-time order and leaves the 5 last ones', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    // Prices cycle over 7 ticks, so the book's order (price, then time) is not the order of placement.
    const asks: Order[] = [];
    for (let i = 0; i < 70; i += 1) asks.push(await place(seller, limit('SELL', new Dec('29000').plus(new Dec('0.01').times(i % 7)).toFixed(), '0.00001')));
    const bookOrder = asks.map((order, i) => ({ order, tick: i % 7, i })).sort((a, b) => a.tick - b.tick || a.i - b.i).map((a) => a.order.id);

    const sweep = await place(buyer, limit('BUY', '29000.06', '0.00065'));
    expect(state(sweep)).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '0.00065', holdRemaining: '0' });
    const fills = await fillsOf(sweep);
    expect(fills).toHaveLength(65);
    const prices = fills.map((f) => Number(f.price));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const live = (await Promise.all(asks.map(stored))).filter((o) => o.status === 'OPEN').map((o) => o.id);
    expect(new Set(live)).toEqual(new Set(bookOrder.slice(65)));

    // FOK across every batch: 6 lots are not there, so nothing changes; 5 are.
    expect(state(await place(buyer, limit('BUY', '29000.06', '0.00006', { timeInForce: 'FOK' })))).toMatchObject({ status: 'EXPIRED', statusReason: 'FOK_NOT_FILLABLE' });
    expect(state(await place(buyer, limit('BUY', '29000.06', '0.00005', { timeInForce: 'FOK' })))).toMatchObject({ status: 'FILLED' });
  });
});

describe('MARKET orders', () => {
  test('a MARKET SELL takes the bids best first, never rests (GTC reads as IOC) and its remainder expires', async () => {
    const buyer = await trader({ USD: '100000' });
    const seller = await trader({ BTC: '1' });
    await place(buyer, limit('BUY', '30000', '0.3'));
    await place(buyer, limit('BUY', '29000', '0.2'));
    const sell = await place(seller, marketOrder('SELL', { quantity: '0.6', timeInForce: 'GTC' }));
    expect(sell).toMatchObject({ type: 'MARKET', price: null, timeInForce: 'IOC', status: 'EXPIRED', statusReason: 'MARKET_REMAINDER', filledQuantity: '0.5', filledQuote: '14800', holdRemaining: '0' });
    expect(await fillsOf(sell)).toEqual([
      { side: 'SELL', price: '30000', quantity: '0.3', quoteAmount: '9000', fee: '18', feeAsset: 'USD', liquidity: 'TAKER' },
      { side: 'SELL', price: '29000', quantity: '0.2', quoteAmount: '5800', fee: '11.6', feeAsset: 'USD', liquidity: 'TAKER' },
    ]);
    expect(await balancesOf(services, seller)).toMatchObject({ USD: { available: '14770.4', held: '0' }, BTC: { available: '0.5', held: '0' } });
  });

  test('a MARKET BUY by quantity holds the rounded-up cost of the fills the book gives, and spends all of it', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '10' });
    await place(seller, limit('SELL', '29000.01', '0.00003'));
    await place(seller, limit('SELL', '29000.03', '0.00002'));
    // 0.8700003 + 0.5800006 = 1.4500009 → hold 1.46; paid 0.88 then 1.46 − 0.88 = 0.58.
    const buy = await place(buyer, marketOrder('BUY', { quantity: '0.00005' }));
    expect(buy).toMatchObject({ status: 'FILLED', filledQuantity: '0.00005', filledQuote: '1.4500009', holdAmount: '1.46', holdRemaining: '0' });
    expect((await fillsOf(buy)).map((f) => f.quoteAmount)).toEqual(['0.88', '0.58']);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '8.54', held: '0' } });
  });

  test('a MARKET BUY by quantity against an empty book expires, holding nothing (so it needs no funds)', async () => {
    const broke = await trader();
    const buy = await place(broke, marketOrder('BUY', { quantity: '0.1' }));
    expect(buy).toMatchObject({ status: 'EXPIRED', statusReason: 'MARKET_REMAINDER', filledQuantity: '0', holdAmount: '0', holdRemaining: '0' });
  });

  test('a MARKET BUY by quantity is refused when the cost of its fills is more than the buyer has', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100' });
    await place(seller, limit('SELL', '29000', '0.5'));
    expect(await refusal(buyer, marketOrder('BUY', { quantity: '0.5' }))).toEqual(['INSUFFICIENT_FUNDS']);
  });

  test('FOK MARKET: fills entirely or expires with nothing changed', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    const ask = await place(seller, limit('SELL', '29000', '0.5'));
    const notFillable = await place(buyer, marketOrder('BUY', { quantity: '0.6', timeInForce: 'FOK' }));
    expect(state(notFillable)).toEqual({ status: 'EXPIRED', statusReason: 'FOK_NOT_FILLABLE', filledQuantity: '0', holdRemaining: '0' });
    expect(state(await stored(ask)).status).toBe('OPEN');
    const fillable = await place(buyer, marketOrder('BUY', { quantity: '0.5', timeInForce: 'FOK' }));
    expect(state(fillable)).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '0.5', holdRemaining: '0' });
  });
});

describe('MARKET BUY by quoteQuantity', () => {
  test('spends at most its budget in whole lots, records what it bought as its quantity and releases what it did not spend', async () => {
    const seller1 = await trader({ BTC: '1' });
    const seller2 = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '1000' });
    await place(seller1, limit('SELL', '30000', '0.001'));
    const ask2 = await place(seller2, limit('SELL', '31000', '0.01'));
    // 0.001 × 30 000 = 30; 70 left buys 225 lots at 31 000 (0.31 each): 69.75; 0.25 unspent.
    const buy = await place(buyer, marketOrder('BUY', { quoteQuantity: '100' }));
    expect(buy).toMatchObject({
      status: 'FILLED', statusReason: null, quantity: '0.00325', quoteQuantity: '100', filledQuantity: '0.00325', filledQuote: '99.75', holdAmount: '100', holdRemaining: '0',
    });
    expect(await fillsOf(buy)).toEqual([
      { side: 'BUY', price: '30000', quantity: '0.001', quoteAmount: '30', fee: '0.000002', feeAsset: 'BTC', liquidity: 'TAKER' },
      { side: 'BUY', price: '31000', quantity: '0.00225', quoteAmount: '69.75', fee: '0.0000045', feeAsset: 'BTC', liquidity: 'TAKER' },
    ]);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '900.25', held: '0' }, BTC: { available: '0.0032435', held: '0' } });
    expect(state(await stored(ask2))).toEqual({ status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.00225', holdRemaining: '0.00775' });
  });

  test('when the book runs out while the budget could still buy, it expires (MARKET_REMAINDER) with what it bought; a budget the book uses up to the last lot is FILLED', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '1000' });
    await place(seller, limit('SELL', '30000', '0.001'));
    // The whole book costs 30: 70 of the 100 budget is left, enough for many lots at 30 000.
    const ranOut = await place(buyer, marketOrder('BUY', { quoteQuantity: '100' }));
    expect(ranOut).toMatchObject({
      status: 'EXPIRED', statusReason: 'MARKET_REMAINDER', quantity: '0.001', filledQuantity: '0.001', filledQuote: '30', holdAmount: '100', holdRemaining: '0',
    });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '970', held: '0' } });

    await place(seller, limit('SELL', '30000', '0.001'));
    // The book's last lot uses the budget up: 0.29 is left, less than one lot (0.30) at the last price.
    const usedUp = await place(buyer, marketOrder('BUY', { quoteQuantity: '30.29' }));
    expect(state(usedUp)).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '0.001', holdRemaining: '0' });
  });

  test('a budget buys no more than the market\'s largest order quantity: the rest of it expires (MARKET_REMAINDER) and is released', async () => {
    const seller = await trader({ BTC: '300' });
    const buyer = await trader({ USD: '10000000' });
    for (let i = 0; i < 3; i += 1) await place(seller, limit('SELL', '30000', '100'));
    // 9,000,000 would buy 300 BTC; an order may hold at most 100 (maxQuantity), which costs 3,000,000.
    const buy = await place(buyer, marketOrder('BUY', { quoteQuantity: '9000000' }));
    expect(buy).toMatchObject({ status: 'EXPIRED', statusReason: 'MARKET_REMAINDER', quantity: '100', filledQuantity: '100', filledQuote: '3000000', holdRemaining: '0' });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '7000000', held: '0' } });
  });

  test('a budget used up exactly where the largest order quantity is reached is FILLED; with a lot\'s worth left at the next price, the rest expires', async () => {
    const seller = await trader({ BTC: '2' });
    const buyer = await trader({ USD: '10000000' });
    const seed = await trader({ BTC: '200' });
    await place(seed, limit('SELL', '30000', '100'));
    await place(seller, limit('SELL', '30000.01', '1'));
    // 3,000,000 buys the 100 BTC at 30,000 (maxQuantity) and nothing is left: spent, FILLED (was EXPIRED / MARKET_REMAINDER).
    const exact = await place(buyer, marketOrder('BUY', { quoteQuantity: '3000000' }));
    expect(exact).toMatchObject({ status: 'FILLED', statusReason: null, quantity: '100', filledQuantity: '100', holdRemaining: '0' });
    await place(seed, limit('SELL', '30000', '1'));
    await place(seed, limit('SELL', '30000', '99'));
    // 30,000.31 more would buy a lot at 30,000.01 past the cap: the cap ran out first, the remainder expires.
    const capped = await place(buyer, marketOrder('BUY', { quoteQuantity: '3000000.31' }));
    expect(capped).toMatchObject({ status: 'EXPIRED', statusReason: 'MARKET_REMAINDER', quantity: '100', filledQuantity: '100' });
  });

  test('at the cap, the next ask decides even when the cap falls on the last order of a read of the book: same book, same status however it is split', async () => {
    const seed = await trader({ BTC: '300' });
    const buyer = await trader({ USD: '10000000' });
    // The placement reads the book 2 orders first: the cap (100) is reached on the second, and the
    // next ask (30,000.01) is in the next read. 0.30 is left: one lot at 30,000, none at 30,000.01.
    await place(seed, limit('SELL', '30000', '50'));
    await place(seed, limit('SELL', '30000', '50'));
    await place(seed, limit('SELL', '30000.01', '1'));
    const onBoundary = await place(buyer, marketOrder('BUY', { quoteQuantity: '3000000.30' }));
    expect(onBoundary).toMatchObject({ status: 'FILLED', statusReason: null, quantity: '100', filledQuantity: '100', filledQuote: '3000000', holdRemaining: '0' });
    // The same book split 1 + 49 + 50: the cap falls inside the second read.
    await place(seed, limit('SELL', '30000', '1'));
    await place(seed, limit('SELL', '30000', '49'));
    await place(seed, limit('SELL', '30000', '50'));
    const inside = await place(buyer, marketOrder('BUY', { quoteQuantity: '3000000.30' }));
    expect(state(inside)).toEqual(state(onBoundary));
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '4000000', held: '0' } });
  });

  test('against an empty book it expires having bought nothing (quantity 0) and holds nothing after', async () => {
    const buyer = await trader({ USD: '1000' });
    const empty = await place(buyer, marketOrder('BUY', { quoteQuantity: '100' }));
    expect(empty).toMatchObject({ status: 'EXPIRED', statusReason: 'MARKET_REMAINDER', quantity: '0', filledQuantity: '0', holdAmount: '100', holdRemaining: '0' });
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '1000', held: '0' } });
  });

  test('a budget below one lot at the best ask is INVALID_QUANTITY on quoteQuantity, and nothing is placed (the book did not run out)', async () => {
    const buyer = await trader({ USD: '1000' });
    const seller = await trader({ BTC: '1' });
    const ask = await place(seller, limit('SELL', '31000', '0.01'));
    // One lot costs 0.31.
    const refused = await services.orders.placeOrder(buyer, marketOrder('BUY', { quoteQuantity: '0.3' }));
    expect(refused).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'INVALID_QUANTITY', field: ['input', 'quoteQuantity'], message: expect.stringContaining('less than one lot (0.00001 BTC at 31000)') })] });
    expect((await services.orders.listOrders(buyer, { limit: 10 })).items).toEqual([]);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '1000', held: '0' } });
    expect(state(await stored(ask)).status).toBe('OPEN');
    // One lot's worth fills it.
    expect(state(await place(buyer, marketOrder('BUY', { quoteQuantity: '0.31' })))).toMatchObject({ status: 'FILLED', filledQuantity: '0.00001' });
  });

  test('its budget is held in full: refused when the buyer has less, even if the book would cost less', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '50' });
    await place(seller, limit('SELL', '100', '0.01'));
    expect(await refusal(buyer, marketOrder('BUY', { quoteQuantity: '100' }))).toEqual(['INSUFFICIENT_FUNDS']);
  });

  test('a budget spent before reaching the buyer\'s own order fills the order: there is no self-trade to prevent', async () => {
    const other = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '1000', BTC: '1' });
    await place(other, limit('SELL', '100', '0.1'));
    const own = await place(buyer, limit('SELL', '100', '0.01'));
    // 0.5 buys 500 lots at 100 (0.001 each): 0.005 of the other account's order; nothing is left for a lot.
    for (const selfTradePrevention of ['CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH'] as const) {
      const buy = await place(buyer, marketOrder('BUY', { quoteQuantity: '0.5', selfTradePrevention }));
      expect({ selfTradePrevention, ...state(buy) }).toEqual({ selfTradePrevention, status: 'FILLED', statusReason: null, filledQuantity: '0.005', holdRemaining: '0' });
      expect(state(await stored(own)).status).toBe('OPEN');
    }
  });
});

describe('self-trade prevention (the incoming order\'s mode applies)', () => {
  /** The buyer's own ask at 100, then another account's ask at the same price (behind it in time). */
  async function ownAskFirst() {
    const buyer = await trader({ USD: '1000', BTC: '1' });
    const other = await trader({ BTC: '1' });
    const own = await place(buyer, limit('SELL', '100', '0.1'));
    const theirs = await place(other, limit('SELL', '100', '0.1'));
    return { buyer, other, own, theirs };
  }

  test('CANCEL_NEWEST (the default): the incoming order is canceled, the resting one stays', async () => {
    const { buyer, own, theirs } = await ownAskFirst();
    const bid = await place(buyer, limit('BUY', '100', '0.2'));
    expect(bid.selfTradePrevention).toBe('CANCEL_NEWEST');
    expect(state(bid)).toEqual({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', holdRemaining: '0' });
    expect([state(await stored(own)).status, state(await stored(theirs)).status]).toEqual(['OPEN', 'OPEN']);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '1000', held: '0' }, BTC: { available: '0.9', held: '0.1' } });
  });

  test('CANCEL_OLDEST: the resting order is canceled (its hold released) and matching goes on', async () => {
    const { buyer, own, theirs } = await ownAskFirst();
    const bid = await place(buyer, limit('BUY', '100', '0.2', { selfTradePrevention: 'CANCEL_OLDEST' }));
    expect(state(bid)).toEqual({ status: 'PARTIALLY_FILLED', statusReason: null, filledQuantity: '0.1', holdRemaining: '10' });
    expect(state(await stored(own))).toEqual({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', holdRemaining: '0' });
    expect(state(await stored(theirs)).status).toBe('FILLED');
    expect(await fillsOf(await stored(own))).toEqual([]);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '980', held: '10' }, BTC: { available: '1.0998', held: '0' } });
  });

  test('CANCEL_BOTH: both are canceled and nothing trades', async () => {
    const { buyer, own, theirs } = await ownAskFirst();
    const bid = await place(buyer, limit('BUY', '100', '0.2', { selfTradePrevention: 'CANCEL_BOTH' }));
    expect(state(bid)).toEqual({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', holdRemaining: '0' });
    expect(state(await stored(own))).toEqual({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0', holdRemaining: '0' });
    expect(state(await stored(theirs)).status).toBe('OPEN');
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '1000', held: '0' }, BTC: { available: '1', held: '0' } });
  });

  test('an order partly filled before it reaches its own account\'s order is canceled with its fills kept', async () => {
    const buyer = await trader({ USD: '1000', BTC: '1' });
    const other = await trader({ BTC: '1' });
    await place(other, limit('SELL', '99', '0.1'));
    const own = await place(buyer, limit('SELL', '100', '0.1'));
    // Hold 20; paid 9.9 to the other account; 10.1 released.
    const bid = await place(buyer, limit('BUY', '100', '0.2'));
    expect(state(bid)).toEqual({ status: 'CANCELED', statusReason: 'SELF_TRADE_PREVENTION', filledQuantity: '0.1', holdRemaining: '0' });
    expect(state(await stored(own)).status).toBe('OPEN');
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '990.1', held: '0' } });
  });
});

describe('post-only', () => {
  test('refused with nothing created when it would take (own orders count); rests otherwise', async () => {
    const seller = await trader({ BTC: '1', USD: '100' });
    const buyer = await trader({ USD: '100' });
    await place(seller, limit('SELL', '100', '0.1'));
    const counts = await bookCounts(db.driver);
    expect(await refusal(buyer, limit('BUY', '100', '0.1', { postOnly: true }))).toEqual(['POST_ONLY_WOULD_TAKE']);
    expect(await refusal(seller, limit('BUY', '100.01', '0.1', { postOnly: true }))).toEqual(['POST_ONLY_WOULD_TAKE']);
    expect(await bookCounts(db.driver)).toEqual(counts);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '100', held: '0' } });

    const maker = await place(buyer, limit('BUY', '99.99', '0.1', { postOnly: true }));
    expect(maker).toMatchObject({ postOnly: true, status: 'OPEN', holdRemaining: '10' });
  });

  test('only for LIMIT GTC orders', async () => {
    const buyer = await trader({ USD: '100' });
    expect(await refusal(buyer, limit('BUY', '1', '0.1', { postOnly: true, timeInForce: 'IOC' }))).toEqual(['INVALID_ORDER_OPTIONS']);
    expect(await refusal(buyer, limit('BUY', '1', '0.1', { postOnly: true, timeInForce: 'FOK' }))).toEqual(['INVALID_ORDER_OPTIONS']);
    expect(await refusal(buyer, marketOrder('BUY', { quantity: '0.1', postOnly: true }))).toEqual(['INVALID_ORDER_OPTIONS']);
  });
});

describe('fees and rounding at the smallest amounts', () => {
  test('one lot at one tick: the buyer pays 0.01, the seller\'s fee rounds down to 0, the buyer\'s is 2 satoshi', async () => {
    const fees = await feeAccount();
    const seller = await trader({ BTC: '0.00001' });
    const buyer = await trader({ USD: '1' });
    const ask = await place(seller, limit('SELL', '0.01', '0.00001'));
    const bid = await place(buyer, limit('BUY', '0.01', '0.00001'));
    expect(bid).toMatchObject({ status: 'FILLED', filledQuote: '0.0000001', holdAmount: '0.01', holdRemaining: '0' });
    expect(await fillsOf(bid)).toEqual([{ side: 'BUY', price: '0.01', quantity: '0.00001', quoteAmount: '0.01', fee: '0.00000002', feeAsset: 'BTC', liquidity: 'TAKER' }]);
    expect(await fillsOf(await stored(ask))).toEqual([{ side: 'SELL', price: '0.01', quantity: '0.00001', quoteAmount: '0.01', fee: '0', feeAsset: 'USD', liquidity: 'MAKER' }]);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '0.99', held: '0' }, BTC: { available: '0.00000998', held: '0' } });
    expect(await balancesOf(services, seller)).toMatchObject({ USD: { available: '0.01', held: '0' }, BTC: { available: '0', held: '0' } });
    expect(await feesSince(fees)).toMatchObject({ BTC: '0.00000002', USD: '0' });
  });

  test('a tiny fill whose cost does not raise the buyer\'s rounded-up total moves no quote asset', async () => {
    const seller = await trader({ BTC: '0.001' });
    const buyer = await trader({ USD: '1' });
    // Cost of 2 lots at 0.01 = 0.0000002: the buyer's total is 0.01 however the fills split.
    const bid = await place(buyer, limit('BUY', '0.01', '0.00002'));
    const first = await place(seller, limit('SELL', '0.01', '0.00001'));
    const second = await place(seller, limit('SELL', '0.01', '0.00001'));
    expect((await fillsOf(first))[0]).toMatchObject({ quoteAmount: '0.01', fee: '0' });
    expect((await fillsOf(second))[0]).toMatchObject({ quoteAmount: '0', fee: '0' });
    expect(state(await stored(bid))).toEqual({ status: 'FILLED', statusReason: null, filledQuantity: '0.00002', holdRemaining: '0' });
    expect(await fillsOf(await stored(bid))).toEqual([
      { side: 'BUY', price: '0.01', quantity: '0.00001', quoteAmount: '0.01', fee: '0.00000001', feeAsset: 'BTC', liquidity: 'MAKER' },
      { side: 'BUY', price: '0.01', quantity: '0.00001', quoteAmount: '0', fee: '0.00000001', feeAsset: 'BTC', liquidity: 'MAKER' },
    ]);
    expect(await balancesOf(services, buyer)).toMatchObject({ USD: { available: '0.99', held: '0' }, BTC: { available: '0.00001998', held: '0' } });
    expect(await balancesOf(services, seller)).toMatchObject({ USD: { available: '0.01', held: '0' }, BTC: { available: '0.00098', held: '0' } });
  });
});

describe('cancels', () => {
  test('cancelOrder of a FILLED or EXPIRED order answers ORDER_NOT_OPEN; another account\'s order is ORDER_NOT_FOUND', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    const ask = await place(seller, limit('SELL', '29000', '0.5'));
    const filled = await place(buyer, limit('BUY', '29000', '0.5'));
    const expired = await place(buyer, limit('BUY', '29000', '0.5', { timeInForce: 'IOC' }));
    const codes = async (account: string, id: string) => {
      const r = await services.orders.cancelOrder(account, id);
      return r.ok ? [r.value.status] : r.errors.map((e) => e.code);
    };
    expect(await codes(buyer, filled.id)).toEqual(['ORDER_NOT_OPEN']);
    expect(await codes(seller, ask.id)).toEqual(['ORDER_NOT_OPEN']);
    expect(await codes(buyer, expired.id)).toEqual(['ORDER_NOT_OPEN']);
    expect(await codes(seller, filled.id)).toEqual(['ORDER_NOT_FOUND']);
    expect(state(await stored(filled)).status).toBe('FILLED');
  });

  test('cancelAllOrders cancels the live orders of one market, then of every market, and leaves final ones alone', async () => {
    const account = await trader({ USD: '10000', BTC: '1', ETH: '10' });
    const other = await trader({ USD: '10000', BTC: '1' });
    const btcAsk = await place(account, limit('SELL', '100', '0.1'));
    const btcBid = await place(account, limit('BUY', '50', '0.1'));
    const ethAsk = await place(account, { market: 'ETH-USD', side: 'SELL', type: 'LIMIT', price: '100', quantity: '1' });
    const filled = await place(account, limit('BUY', '90', '0.1'));
    await place(other, limit('SELL', '90', '0.1'));
    const othersBid = await place(other, limit('BUY', '40', '0.1'));
    expect(state(await stored(filled)).status).toBe('FILLED');

    const unknown = await services.orders.cancelAllOrders(account, 'DOGE-USD');
    expect(unknown.ok ? [] : unknown.errors.map((e) => e.code)).toEqual(['UNKNOWN_MARKET']);
    const btc = await services.orders.cancelAllOrders(account, 'BTC-USD');
    expect(btc.ok && btc.value.map((o) => o.id).sort()).toEqual([btcAsk.id, btcBid.id].sort());
    expect(btc.ok && btc.value.map((o) => [o.status, o.statusReason])).toEqual([['CANCELED', 'CANCELED_BY_USER'], ['CANCELED', 'CANCELED_BY_USER']]);
    expect(state(await stored(ethAsk)).status).toBe('OPEN');

    const all = await services.orders.cancelAllOrders(account, null);
    expect(all.ok && all.value.map((o) => o.id)).toEqual([ethAsk.id]);
    const again = await services.orders.cancelAllOrders(account, null);
    expect(again.ok && again.value).toEqual([]);
    expect(state(await stored(filled)).status).toBe('FILLED');
    expect(state(await stored(othersBid)).status).toBe('OPEN');
    expect(await balancesOf(services, account)).toMatchObject({ USD: { held: '0' }, BTC: { held: '0' }, ETH: { available: '10', held: '0' } });
  });
});

describe('clientOrderId', () => {
  test('findOrderByClientOrderId finds the account\'s own order only; an id stays taken after its order is final', async () => {
    const seller = await trader({ BTC: '1' });
    const buyer = await trader({ USD: '100000' });
    const ask = await place(seller, limit('SELL', '29000', '0.5', { clientOrderId: 'mm-1' }));
    const bid = await place(buyer, limit('BUY', '29000', '0.5', { clientOrderId: 'mm-1' }));
    expect(bid.status).toBe('FILLED');
    expect(await services.orders.findOrderByClientOrderId(buyer, 'mm-1')).toMatchObject({ id: bid.id, status: 'FILLED', filledQuantity: '0.5' });
    expect(await services.orders.findOrderByClientOrderId(seller, 'mm-1')).toMatchObject({ id: ask.id, status: 'FILLED' });
    expect(await services.orders.findOrderByClientOrderId(buyer, 'mm-2')).toBeNull();
    expect(await refusal(buyer, limit('BUY', '1', '0.1', { clientOrderId: 'mm-1' }))).toEqual(['DUPLICATE_CLIENT_ORDER_ID']);
  });

  test('a used clientOrderId is told before a refusal the book decides (postOnly that would take, a budget below one lot): a retry learns its order exists', async () => {
    const maker = await trader({ USD: '100000', BTC: '1' });
    const seller = await trader({ BTC: '1' });
    // A postOnly bid rests, then fills; an ask now rests at its price.
    const first = await place(maker, limit('BUY', '29000', '0.1', { postOnly: true, clientOrderId: 'po-1' }));
    expect(first.status).toBe('OPEN');
    await place(seller, limit('SELL', '29000', '0.1'));
    await place(seller, limit('SELL', '28999', '0.1'));
    // The same placement again (its idempotency record gone): before, POST_ONLY_WOULD_TAKE, "nothing was placed".
    expect(await refusal(maker, limit('BUY', '29000', '0.1', { postOnly: true, clientOrderId: 'po-1' }))).toEqual(['DUPLICATE_CLIENT_ORDER_ID']);
    expect(await services.orders.placeOrder(maker, limit('BUY', '29000', '0.1', { postOnly: true, clientOrderId: 'po-1' }))).toMatchObject({ errors: [{ message: `An order with this clientOrderId already exists: order ${first.id}.` }] });
    expect(await refusal(maker, limit('BUY', '29000', '0.1', { postOnly: true, clientOrderId: 'po-2' }))).toEqual(['POST_ONLY_WOULD_TAKE']);
    // A budget below one lot at the best ask, with a used clientOrderId: the duplicate too.
    const tiny = { market: 'BTC-USD', side: 'BUY' as const, type: 'MARKET' as const, quoteQuantity: '0.01' };
    expect(await refusal(maker, { ...tiny, clientOrderId: 'po-1' })).toEqual(['DUPLICATE_CLIENT_ORDER_ID']);
    expect(await refusal(maker, { ...tiny, clientOrderId: 'po-3' })).toEqual(['INVALID_QUANTITY']);
  });
});
