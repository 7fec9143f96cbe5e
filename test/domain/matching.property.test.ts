import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ASSET_CODES, Dec, FEE_ACCOUNT_ID, MARKETS, type AssetCode, type DomainResult, type DomainServices, type Liquidity, type Order, type OrderSide, type PlaceOrderInput, type SelfTradePrevention, type TimeInForce } from '../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import { ReferenceExchange, type Holder, type ReferenceFees, type ReferenceOrder } from '../helpers/reference-exchange';
import type { SqlExecutor } from '../../src/stores/postgres';

/**
 * Random placements (every order type, time in force, post-only, self-trade prevention mode,
 * MARKET BUYs by quote budget, invalid inputs) and cancels from 3-4 accounts on both markets,
 * run through the services and through an independent reference of the matching rules
 * (test/helpers/reference-exchange.ts). After every step: the same answer, the same orders, the
 * same fills, the same balances (the fee account's too), the same book, and reconcile() clean.
 */

const OPENING = { USD: '1000', BTC: '0.1', ETH: '1' } as const;
type Market = 'BTC-USD' | 'ETH-USD';
/** How a generated placement breaks the entry rules, if it does. */
type Flaw = 'none' | 'offTick' | 'offLot' | 'zeroQuantity' | 'negativePrice' | 'togglePrice' | 'bothQuantities' | 'noQuantity' | 'quoteOnLimitOrSell' | 'quoteTooPrecise' | 'unknownMarket';

interface PlaceStep {
  readonly kind: 'place'; readonly account: number; readonly market: Market; readonly side: OrderSide; readonly type: 'LIMIT' | 'MARKET' | 'default';
  readonly tick: number; readonly lots: number; readonly quote: string; readonly byQuote: boolean; readonly timeInForce: TimeInForce | null;
  readonly postOnly: boolean | null; readonly stp: SelfTradePrevention | null; readonly clientOrderId: string | null; readonly flaw: Flaw;
}
type Step =
  | PlaceStep
  | { readonly kind: 'cancel'; readonly pick: number; readonly by: 'owner' | 'other' | 'nobody' }
  | { readonly kind: 'cancelAll'; readonly account: number; readonly market: Market | 'DOGE-USD' | null };

// Prices and quantities from small sets so that orders cross often. Each run trades a market at
// small prices (0.01-0.05: tiny costs, buyers' rounding, fees that round to 0) or around 100.
type Regime = 'small' | 'large';
const TICKS: Readonly<Record<Regime, readonly number[]>> = { small: [1, 2, 3, 5], large: [9_999, 10_000, 10_001, 10_003] };
const LOTS = [1, 2, 3, 7, 40, 333, 2_000, 12_345];
const QUOTES = ['0.01', '0.03', '0.5', '1.23', '25', '400'];

const placeArb = (accounts: number): fc.Arbitrary<PlaceStep> => fc.record({
  kind: fc.constant('place' as const),
  account: fc.nat({ max: accounts - 1 }),
  market: fc.constantFrom<Market>('BTC-USD', 'ETH-USD'),
  side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
  type: fc.oneof({ weight: 3, arbitrary: fc.constant('LIMIT' as const) }, { weight: 1, arbitrary: fc.constant('default' as const) }, { weight: 2, arbitrary: fc.constant('MARKET' as const) }),
  tick: fc.nat({ max: 3 }),
  lots: fc.constantFrom(...LOTS),
  quote: fc.constantFrom(...QUOTES),
  byQuote: fc.boolean(),
  timeInForce: fc.constantFrom<TimeInForce | null>(null, null, null, 'GTC', 'IOC', 'FOK'),
  postOnly: fc.constantFrom<boolean | null>(null, null, null, false, true),
  stp: fc.constantFrom<SelfTradePrevention | null>(null, 'CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH'),
  clientOrderId: fc.constantFrom<string | null>(null, null, null, null, null, null, 'a', 'b'),
  flaw: fc.oneof(
    { weight: 12, arbitrary: fc.constant<Flaw>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Flaw>('offTick', 'offLot', 'zeroQuantity', 'negativePrice', 'togglePrice', 'bothQuantities', 'noQuantity', 'quoteOnLimitOrSell', 'quoteTooPrecise', 'unknownMarket') },
  ),
});

/** A LIMIT GTC placement: the resting liquidity a run starts with (it may still cross what came before). */
const restingArb = (accounts: number): fc.Arbitrary<Step> =>
  placeArb(accounts).map((step) => ({ ...step, type: 'LIMIT' as const, timeInForce: null, postOnly: null, flaw: 'none' as const }));

const stepArb = (accounts: number): fc.Arbitrary<Step> => fc.oneof(
  { weight: 8, arbitrary: placeArb(accounts) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(), by: fc.constantFrom<'owner' | 'other' | 'nobody'>('owner', 'owner', 'owner', 'other', 'nobody') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelAll' as const), account: fc.nat({ max: accounts - 1 }), market: fc.constantFrom<Market | 'DOGE-USD' | null>('BTC-USD', 'ETH-USD', null, 'DOGE-USD') }) },
);

/** The placement a step describes; the reference, not this function, decides whether it is valid. */
function inputOf(step: PlaceStep, regimes: Readonly<Record<Market, Regime>>): PlaceOrderInput {
  const spec = MARKETS.get(step.market)!;
  const ticks = TICKS[regimes[step.market]][step.tick];
  const isMarket = step.type === 'MARKET';
  const byQuote = isMarket && step.side === 'BUY' && step.byQuote;
  let price: string | undefined = isMarket ? undefined : spec.tickSize.times(ticks).toFixed();
  let quantity: string | undefined = byQuote ? undefined : spec.lotSize.times(step.lots).toFixed();
  let quoteQuantity: string | undefined = byQuote ? step.quote : undefined;
  let market: string = step.market;
  switch (step.flaw) {
    case 'offTick': price = spec.tickSize.times(ticks).plus('0.001').toFixed(); break;
    case 'negativePrice': price = '-' + spec.tickSize.times(ticks).toFixed(); break;
    case 'togglePrice': price = price === undefined ? spec.tickSize.times(ticks).toFixed() : undefined; break;
    case 'offLot': quantity = spec.lotSize.times(step.lots).plus(spec.lotSize.div(10)).toFixed(); break;
    case 'zeroQuantity': quantity = '0'; break;
    case 'bothQuantities': quantity = spec.lotSize.times(step.lots).toFixed(); quoteQuantity = step.quote; break;
    case 'noQuantity': quantity = undefined; quoteQuantity = undefined; break;
    case 'quoteOnLimitOrSell': quoteQuantity = step.quote; if (byQuote) quantity = undefined; break;
    case 'quoteTooPrecise': quoteQuantity = step.quote + '1'; if (!byQuote) quantity = undefined; break;
    case 'unknownMarket': market = 'DOGE-USD'; break;
    case 'none': break;
  }
  return {
    market, side: step.side, type: step.type === 'default' ? undefined : step.type, price, quantity, quoteQuantity,
    timeInForce: step.timeInForce, postOnly: step.postOnly, selfTradePrevention: step.stp, clientOrderId: step.clientOrderId,
  };
}

const codesOf = (result: DomainResult<unknown>) => (result.ok ? [] : [...new Set(result.errors.map((e) => e.code))].sort());
const fixed = (value: Dec | string | null) => (value === null ? null : new Dec(value).toFixed());

/** The fields of an order the contract defines, as the services answer them. */
function actualOrder(o: Order) {
  return {
    id: o.id, market: o.market, side: o.side, type: o.type, price: fixed(o.price), quantity: fixed(o.quantity), quoteQuantity: fixed(o.quoteQuantity),
    timeInForce: o.timeInForce, postOnly: o.postOnly, selfTradePrevention: o.selfTradePrevention, clientOrderId: o.clientOrderId,
    status: o.status, statusReason: o.statusReason, filledQuantity: fixed(o.filledQuantity), filledQuote: fixed(o.filledQuote),
    holdAsset: o.holdAsset, holdAmount: fixed(o.holdAmount), holdRemaining: fixed(o.holdRemaining),
  };
}

/** The same fields as the reference predicts them. */
function expectedOrder(ref: ReferenceExchange, o: ReferenceOrder) {
  return {
    id: o.id, market: o.market, side: o.side, type: o.type, price: fixed(o.price), quantity: fixed(o.quantity), quoteQuantity: fixed(o.quoteQuantity),
    timeInForce: o.timeInForce, postOnly: o.postOnly, selfTradePrevention: o.selfTradePrevention, clientOrderId: o.clientOrderId,
    status: o.status, statusReason: o.statusReason, filledQuantity: fixed(o.filledQuantity), filledQuote: fixed(o.filledQuote),
    holdAsset: o.holdAsset, holdAmount: fixed(o.holdAmount), holdRemaining: fixed(ref.holdRemaining(o)),
  };
}

/** The fields of a fill the contract defines (amounts in canonical form). */
interface FillLike { orderId: string; side: OrderSide; price: Dec | string; quantity: Dec | string; quoteAmount: Dec | string; fee: Dec | string; feeAsset: AssetCode; liquidity: Liquidity }
const fillFields = (f: FillLike) => ({
  orderId: f.orderId, side: f.side, price: fixed(f.price), quantity: fixed(f.quantity), quoteAmount: fixed(f.quoteAmount),
  fee: fixed(f.fee), feeAsset: f.feeAsset, liquidity: f.liquidity,
});

/** The book the reference predicts, aggregated as orderBook() answers it. */
function expectedLevels(ref: ReferenceExchange, market: string, side: OrderSide) {
  const levels: Array<{ price: string; quantity: Dec; orderCount: number }> = [];
  for (const o of ref.book(market, side)) {
    const last = levels[levels.length - 1];
    const left = o.quantity.minus(o.filledQuantity);
    if (last && last.price === fixed(o.price)) { last.quantity = last.quantity.plus(left); last.orderCount += 1; }
    else levels.push({ price: fixed(o.price)!, quantity: left, orderCount: 1 });
  }
  return levels.map((l) => ({ price: l.price, quantity: l.quantity.toFixed(), orderCount: l.orderCount }));
}

interface Run { readonly db: SqlExecutor; readonly services: DomainServices; readonly regimes: Readonly<Record<Market, Regime>>; readonly ids: readonly string[]; readonly ref: ReferenceExchange; readonly feesBefore: Map<string, Dec> }

/** Runs one step through both and compares the answers. */
async function apply(run: Run, step: Step, at: string): Promise<void> {
  const { services, ids, ref } = run;
  switch (step.kind) {
    case 'place': {
      const input = inputOf(step, run.regimes);
      const actual = await services.orders.placeOrder(ids[step.account], input);
      const expected = ref.place(step.account, input, actual.ok ? actual.value.id : 'not created');
      expect({ at, input, codes: codesOf(actual) }).toEqual({ at, input, codes: expected.ok ? [] : expected.codes });
      if (actual.ok && expected.ok) expect({ at, order: actualOrder(actual.value) }).toEqual({ at, order: expectedOrder(ref, expected.value) });
      return;
    }
    case 'cancel': {
      if (step.by === 'nobody' || ref.orders.length === 0) {
        expect({ at, codes: codesOf(await services.orders.cancelOrder(ids[0], randomUUID())) }).toEqual({ at, codes: ['ORDER_NOT_FOUND'] });
        return;
      }
      const target = ref.orders[step.pick % ref.orders.length];
      const actor = step.by === 'owner' ? target.owner : (target.owner + 1) % ref.accounts;
      const actual = await services.orders.cancelOrder(ids[actor], target.id);
      const expected = ref.cancel(actor, target.id);
      expect({ at, codes: codesOf(actual) }).toEqual({ at, codes: expected.ok ? [] : expected.codes });
      if (actual.ok && expected.ok) expect({ at, order: actualOrder(actual.value) }).toEqual({ at, order: expectedOrder(ref, expected.value) });
      return;
    }
    case 'cancelAll': {
      const actual = await services.orders.cancelAllOrders(ids[step.account], step.market);
      const expected = ref.cancelAll(step.account, step.market);
      expect({ at, codes: codesOf(actual) }).toEqual({ at, codes: expected.ok ? [] : expected.codes });
      if (actual.ok && expected.ok) {
        const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
        expect({ at, canceled: actual.value.map(actualOrder).sort(byId) }).toEqual({ at, canceled: expected.value.map((o) => expectedOrder(ref, o)).sort(byId) });
      }
      return;
    }
  }
}

/**
 * The orders, fills and balances of the run's accounts (and the fee account's balances, its ledger
 * sums: it keeps no balance rows) in three statements.
 */
async function storedState(db: SqlExecutor, ids: readonly string[]) {
  const [orders, fills, balances] = await Promise.all([
    db.query(`SELECT id::text, account_id::text, market, side, type, price, quantity, quote_quantity, time_in_force, post_only, self_trade_prevention,
                     client_order_id, status, status_reason, filled_quantity, filled_quote, hold_asset, hold_amount, hold_remaining
                FROM orders WHERE account_id = ANY($1::uuid[]) ORDER BY seq`, [ids]),
    db.query(`SELECT trade_id::text, order_id::text, account_id::text, side, price, quantity, quote_amount, fee, fee_asset, liquidity
                FROM fills WHERE account_id = ANY($1::uuid[]) ORDER BY seq`, [ids]),
    db.query(
      `SELECT account_id::text, asset, available, held FROM balances WHERE account_id = ANY($1::uuid[])
       UNION ALL
       SELECT $2::text, a.asset, COALESCE(SUM(e.amount) FILTER (WHERE e.bucket = 'available'), 0), COALESCE(SUM(e.amount) FILTER (WHERE e.bucket = 'held'), 0)
       FROM unnest($3::text[]) AS a(asset) LEFT JOIN ledger_entries e ON e.account_id = $2::uuid AND e.asset = a.asset GROUP BY a.asset`,
      [ids, FEE_ACCOUNT_ID, ASSET_CODES],
    ),
  ]);
  const text = (v: unknown) => (v === null ? null : fixed(String(v)));
  return {
    orders: orders.map((r) => ({
      owner: ids.indexOf(String(r.account_id)), order: {
        id: String(r.id), market: r.market, side: r.side, type: r.type, price: text(r.price), quantity: text(r.quantity), quoteQuantity: text(r.quote_quantity),
        timeInForce: r.time_in_force, postOnly: r.post_only, selfTradePrevention: r.self_trade_prevention, clientOrderId: r.client_order_id,
        status: r.status, statusReason: r.status_reason, filledQuantity: text(r.filled_quantity), filledQuote: text(r.filled_quote),
        holdAsset: r.hold_asset, holdAmount: text(r.hold_amount), holdRemaining: text(r.hold_remaining),
      },
    })),
    fills: fills.map((r) => ({
      tradeId: String(r.trade_id), owner: ids.indexOf(String(r.account_id)),
      fill: fillFields({ orderId: String(r.order_id), side: r.side as OrderSide, price: String(r.price), quantity: String(r.quantity), quoteAmount: String(r.quote_amount), fee: String(r.fee), feeAsset: r.fee_asset as AssetCode, liquidity: r.liquidity as Liquidity }),
    })),
    balances: balances.map((r) => ({ holder: String(r.account_id), asset: String(r.asset), available: text(r.available), held: text(r.held) })),
  };
}

/** Every order, fill, balance and book level against the reference, the book not crossed, and reconcile() clean. */
async function expectSameState(run: Run, at: string): Promise<void> {
  const { db, services, ids, ref } = run;
  const stored = await storedState(db, ids);
  expect({ at, orders: stored.orders }).toEqual({ at, orders: ref.orders.map((o) => ({ owner: o.owner, order: expectedOrder(ref, o) })) });
  expect({ at, fills: stored.fills.map(({ owner, fill }) => ({ owner, fill })) }).toEqual({ at, fills: ref.fills.map((f) => ({ owner: f.owner, fill: fillFields(f) })) });
  // Both rows of a trade (maker then taker) share one trade id, and no two trades share one.
  const tradeIds = stored.fills.map((f) => f.tradeId);
  expect({ at, pairs: tradeIds.filter((id, n) => n % 2 === 1 && id !== tradeIds[n - 1]) }).toEqual({ at, pairs: [] });
  expect(new Set(tradeIds).size).toBe(tradeIds.length / 2);

  const holders: Array<[string, Holder]> = [...ids.map((id, i): [string, Holder] => [id, i]), [FEE_ACCOUNT_ID, 'fees']];
  const expectedBalances = holders.flatMap(([id, holder]) => ASSET_CODES.map((asset) => {
    const b = ref.balance(holder, asset);
    const before = holder === 'fees' ? run.feesBefore.get(asset)! : new Dec(0);
    return { holder: id, asset, available: before.plus(b.available).toFixed(), held: b.held.toFixed() };
  }));
  const byHolder = (a: { holder: string; asset: string }, b: { holder: string; asset: string }) => `${a.holder}/${a.asset}`.localeCompare(`${b.holder}/${b.asset}`);
  expect({ at, balances: stored.balances.sort(byHolder) }).toEqual({ at, balances: expectedBalances.sort(byHolder) });

  for (const market of ['BTC-USD', 'ETH-USD']) {
    const book = await services.marketData.orderBook(market, 100);
    expect({ at, market, bids: book!.bids, asks: book!.asks }).toEqual({ at, market, bids: expectedLevels(ref, market, 'BUY'), asks: expectedLevels(ref, market, 'SELL') });
    if (book!.bids.length > 0 && book!.asks.length > 0) expect({ at, market, crossed: new Dec(book!.bids[0].price).gte(book!.asks[0].price) }).toEqual({ at, market, crossed: false });
  }
  expect({ at, reconcile: await services.uow.repo.reconcile() }).toEqual({ at, reconcile: CLEAN_RECONCILIATION });
}

/** The same comparison of orders, fills and balances through the services' reads (listOrders, listAccountFills, listBalances). */
async function expectServicesAgree(run: Run): Promise<void> {
  const { services, ids, ref } = run;
  for (let i = 0; i < ids.length; i += 1) {
    const orders = (await services.orders.listOrders(ids[i], { limit: 1000 })).items.slice().reverse();
    expect({ account: i, orders: orders.map(actualOrder) }).toEqual({ account: i, orders: ref.orders.filter((o) => o.owner === i).map((o) => expectedOrder(ref, o)) });
    const fills = (await services.orders.listAccountFills(ids[i], { limit: 1000 })).items.slice().reverse();
    expect({ account: i, fills: fills.map(fillFields) }).toEqual({ account: i, fills: ref.fills.filter((f) => f.owner === i).map(fillFields) });
    const balances = await services.accounts.listBalances(ids[i]);
    expect({ account: i, balances }).toEqual({
      account: i, balances: ASSET_CODES.slice().sort().map((asset) => ({ asset, available: ref.balance(i, asset).available.toFixed(), held: ref.balance(i, asset).held.toFixed() })),
    });
  }
}

/** Runs `steps` from fresh accounts against an empty book; leaves the book empty again, however it ends. */
async function runSteps(db: SqlExecutor, services: DomainServices, fees: ReferenceFees, { accounts, regimes, steps }: RunSpec): Promise<ReferenceExchange> {
  const ids: string[] = [];
  for (let i = 0; i < accounts; i += 1) ids.push(await fundedAccount(services, OPENING, 'match'));
  try {
    for (const market of ['BTC-USD', 'ETH-USD']) expect(await services.marketData.orderBook(market, 1)).toMatchObject({ bids: [], asks: [] });
    const feesBefore = new Map((await services.uow.repo.listBalances(FEE_ACCOUNT_ID)).map((b) => [b.asset as string, new Dec(b.available)]));
    const run: Run = { db, services, regimes, ids, ref: new ReferenceExchange(accounts, OPENING, fees), feesBefore };
    for (const [n, step] of steps.entries()) {
      const at = `step ${n} ${JSON.stringify(step)}`;
      await apply(run, step, at);
      await expectSameState(run, at);
    }
    await expectServicesAgree(run);
    return run.ref;
  } finally {
    for (const id of ids) await services.orders.cancelAllOrders(id, null);
  }
}

/** What one run does: how many accounts, each market's price regime, the steps. */
interface RunSpec { readonly accounts: number; readonly regimes: Readonly<Record<Market, Regime>>; readonly steps: readonly Step[] }

/** 3 or 4 accounts; 4 to 8 resting orders, then 4 to 22 steps of any kind. */
const runArb: fc.Arbitrary<RunSpec> = fc.integer({ min: 3, max: 4 }).chain((accounts) => fc.record({
  accounts: fc.constant(accounts),
  regimes: fc.record({ 'BTC-USD': fc.constantFrom<Regime>('small', 'large'), 'ETH-USD': fc.constantFrom<Regime>('small', 'large') }),
  steps: fc.tuple(fc.array(restingArb(accounts), { minLength: 4, maxLength: 8 }), fc.array(stepArb(accounts), { minLength: 4, maxLength: 22, size: 'max' }))
    .map(([resting, rest]) => [...resting, ...rest]),
}));

/** A placement step with the defaults of a plain LIMIT GTC order, for pinned counterexamples. */
const placeStep = (step: Partial<PlaceStep> & Pick<PlaceStep, 'account' | 'side'>): PlaceStep => ({
  kind: 'place', market: 'BTC-USD', type: 'LIMIT', tick: 1, lots: 1, quote: '0.01', byQuote: false, timeInForce: null, postOnly: null, stp: null,
  clientOrderId: null, flaw: 'none', ...step,
});
const LARGE: RunSpec['regimes'] = { 'BTC-USD': 'large', 'ETH-USD': 'large' };

/** Counterexamples the property found, each once a bug in the engine; they run first, every time. */
const PINNED: ReadonlyArray<[RunSpec]> = [
  // A MARKET BUY by quoteQuantity that bought nothing could not be stored (quantity 0 broke a CHECK).
  [{ accounts: 3, regimes: LARGE, steps: [placeStep({ account: 0, side: 'BUY', type: 'MARKET', byQuote: true, quote: '25' })] }],
  // quoteQuantity on a LIMIT order without quantity: INVALID_QUANTITY was not reported with INVALID_ORDER_OPTIONS.
  [{ accounts: 3, regimes: LARGE, steps: [placeStep({ account: 0, side: 'BUY', flaw: 'quoteTooPrecise' })] }],
  // A budget spent on another account's ask before the buyer's own: self-trade prevention canceled an order that could not trade.
  [{
    accounts: 3, regimes: LARGE, steps: [
      placeStep({ account: 1, side: 'SELL', lots: 333 }),
      placeStep({ account: 0, side: 'SELL', lots: 40 }),
      placeStep({ account: 0, side: 'BUY', type: 'MARKET', byQuote: true, quote: '0.03', stp: 'CANCEL_OLDEST' }),
      placeStep({ account: 0, side: 'BUY', type: 'MARKET', byQuote: true, quote: '0.03' }),
    ],
  }],
];

/**
 * Runs that between them reach every outcome the coverage check below names, so it never depends on the
 * random seed (15 random runs missed a zero-quote fill once). First, at 0.01 a lot costs 0.000001 USD, so
 * a BUY of two lots from two asks pays 0.01 for the first fill and 0 for the second (the buyer
 * pays the ceiling of its cumulative cost), and every fee rounds to 0.
 */
const COVERAGE: ReadonlyArray<[RunSpec]> = [
  [{
    accounts: 3, regimes: { 'BTC-USD': 'small', 'ETH-USD': 'small' }, steps: [
      placeStep({ account: 1, side: 'SELL', tick: 0, lots: 1 }),
      placeStep({ account: 2, side: 'SELL', tick: 0, lots: 1 }),
      placeStep({ account: 0, side: 'BUY', tick: 0, lots: 2 }),
    ],
  }],
  // An IOC remainder, a FOK that cannot fill, a self-trade canceled (CANCEL_NEWEST) and a cancel by the owner.
  [{
    accounts: 3, regimes: LARGE, steps: [
      placeStep({ account: 2, side: 'BUY', tick: 0, lots: 1 }),
      placeStep({ account: 1, side: 'SELL', lots: 1 }),
      placeStep({ account: 0, side: 'BUY', lots: 2, timeInForce: 'IOC' }),
      placeStep({ account: 1, side: 'SELL', lots: 1 }),
      placeStep({ account: 0, side: 'BUY', lots: 2, timeInForce: 'FOK' }),
      placeStep({ account: 1, side: 'BUY', lots: 1, stp: 'CANCEL_NEWEST' }),
      { kind: 'cancel', pick: 0, by: 'owner' },
    ],
  }],
];

describe('the matching engine against an independent reference of the matching rules', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await openPgliteDatabase(); });
  afterAll(async () => db?.close());

  test.each([
    ['the default fee rates (maker 0.1 %, taker 0.2 %)', { maker: new Dec('0.001'), taker: new Dec('0.002') }, 30],
    ['odd fee rates (maker 0.07 %, taker 0.33 %: fees round down in both assets)', { maker: new Dec('0.0007'), taker: new Dec('0.0033') }, 15],
  ])('same answers, orders, fills, balances and book after every step, with %s', async (_name, fees, numRuns) => {
    const services = servicesFor(db.driver, { feeRates: fees });
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.noBias(runArb), async (spec) => {
        const ref = await runSteps(db.driver, services, fees, spec);
        for (const o of ref.orders) seen.add(`${o.status} ${o.statusReason ?? ''}`.trim());
        for (const f of ref.fills) {
          if (f.quoteAmount.isZero()) seen.add('fill with quote amount 0');
          if (f.fee.isZero()) seen.add(`${f.feeAsset === 'USD' ? 'quote' : 'base'} fee rounded to 0`);
        }
      }),
      { numRuns, examples: [...PINNED, ...COVERAGE] },
    );
    // The generator must reach every outcome, or the comparison says little about it.
    expect([...seen].sort()).toEqual(expect.arrayContaining([
      'CANCELED CANCELED_BY_USER', 'CANCELED SELF_TRADE_PREVENTION', 'EXPIRED FOK_NOT_FILLABLE', 'EXPIRED IOC_REMAINDER', 'EXPIRED MARKET_REMAINDER',
      'FILLED', 'OPEN', 'PARTIALLY_FILLED', 'fill with quote amount 0', 'quote fee rounded to 0',
    ]));
  }, 120_000);
});
