import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ASSETS, ASSET_CODES, Dec, MARKETS, UserErrorCode, type AssetCode, type DomainResult, type DomainServices, type OrderSide } from '../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';

/**
 * Random sequences of deposits, orders, cancels and transfers between three fresh accounts,
 * checked against a model of every balance and open order after each step. Orders never cross
 * (every BUY is priced at most 25 000.00, every SELL above), so each one rests until canceled:
 * trading is matching.property.test.ts's subject; this one is the ledger's holds and transfers.
 */

const ACCOUNTS = 3;
/** What each account starts with, so that most orders and transfers can succeed until funds run out. */
const OPENING_DEPOSITS: Readonly<Record<AssetCode, string>> = { USD: '100000', BTC: '2', ETH: '20' };
type MarketSymbol = 'BTC-USD' | 'ETH-USD';
/** The highest BUY price in ticks; a SELL is priced this much higher, so no two orders ever cross. */
const BUY_TICKS = 2_500_000;
/** How a generated order breaks the market rules, if it does. */
type Flaw = 'none' | 'offTick' | 'offLot' | 'tooMuch' | 'zeroQuantity' | 'priceTooHigh';

type Step =
  | { kind: 'deposit'; account: number; asset: AssetCode; units: number }
  | { kind: 'place'; account: number; market: MarketSymbol; side: OrderSide; ticks: number; lots: number; flaw: Flaw; clientOrderId: string | null }
  | { kind: 'cancel'; pick: number; byOwner: boolean }
  | { kind: 'transfer'; from: number; to: number; asset: AssetCode; units: number; tooPrecise: boolean };

const account = fc.nat({ max: ACCOUNTS - 1 });
const asset = fc.constantFrom(...ASSET_CODES);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), account, asset, units: fc.integer({ min: 1, max: 1_000_000_000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('place' as const), account, market: fc.constantFrom<MarketSymbol>('BTC-USD', 'ETH-USD'), side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
      // BUYs at 0.01-25 000.00, SELLs at 25 000.01-50 000.00, up to 100 000 lots (1 BTC, 10 ETH): some orders fit the balance, some do not.
      ticks: fc.integer({ min: 1, max: BUY_TICKS }), lots: fc.integer({ min: 1, max: 100_000 }),
      flaw: fc.oneof({ weight: 6, arbitrary: fc.constant<Flaw>('none') }, { weight: 1, arbitrary: fc.constantFrom<Flaw>('offTick', 'offLot', 'tooMuch', 'zeroQuantity', 'priceTooHigh') }),
      clientOrderId: fc.option(fc.constantFrom('c-1', 'c-2'), { freq: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(), byOwner: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const), from: account, asset,
      // Mostly to another account; now and then to itself.
      toOffset: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.constant(0) }),
      // Mostly up to 100 000 USD or 0.1 BTC/ETH (within the opening funds), sometimes far beyond any balance.
      units: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 10_000_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2_000_000_000 }) }),
      tooPrecise: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }).map(({ toOffset, ...rest }) => ({ ...rest, to: (rest.from + toOffset) % ACCOUNTS })),
  },
);

/** `units` of the asset's smallest unit as a decimal string ("12345" USD cents → "123.45"). */
const amountOf = (units: number, code: AssetCode) => new Dec(units).div(new Dec(10).pow(ASSETS[code].decimals)).toFixed();
/** The same amount with one digit more than the asset allows ("123.45" USD → "123.451"). */
const tooPreciseAmountOf = (units: number, code: AssetCode) => new Dec(units).div(new Dec(10).pow(ASSETS[code].decimals)).toFixed(ASSETS[code].decimals) + '1';
const codesOf = (result: DomainResult<unknown>) => (result.ok ? [] : result.errors.map((e) => e.code));

interface ModelOrder { readonly id: string; readonly owner: number; readonly holdAsset: AssetCode; readonly holdAmount: Dec; open: boolean }

/** What the books should say: balances per account and asset, orders, and funding per asset. */
class Model {
  readonly balances = Array.from({ length: ACCOUNTS }, () => new Map(ASSET_CODES.map((a) => [a, { available: new Dec(OPENING_DEPOSITS[a]), held: new Dec(0) }])));
  readonly orders: ModelOrder[] = [];
  readonly clientOrderIds = Array.from({ length: ACCOUNTS }, () => new Set<string>());
  readonly deposited = new Map(ASSET_CODES.map((a) => [a, new Dec(OPENING_DEPOSITS[a]).times(ACCOUNTS)]));
  balance(owner: number, code: AssetCode) {
    return this.balances[owner].get(code)!;
  }
}

/** The order a step describes, and what the rules say about it: the codes it must fail with, or its hold. */
function describeOrder(step: Extract<Step, { kind: 'place' }>) {
  const spec = MARKETS.get(step.market)!;
  let price = spec.tickSize.times(step.side === 'BUY' ? step.ticks : step.ticks + BUY_TICKS);
  let quantity = Dec.min(spec.lotSize.times(step.lots), spec.maxQuantity);
  const expected: UserErrorCode[] = [];
  switch (step.flaw) {
    case 'offTick': price = price.plus(spec.tickSize.div(10)); expected.push(UserErrorCode.INVALID_PRICE); break;
    case 'priceTooHigh': price = spec.maxPrice.plus(spec.tickSize); expected.push(UserErrorCode.INVALID_PRICE); break;
    case 'offLot': quantity = quantity.plus(spec.lotSize.div(10)); expected.push(UserErrorCode.INVALID_QUANTITY); break;
    case 'tooMuch': quantity = spec.maxQuantity.plus(spec.lotSize); expected.push(UserErrorCode.INVALID_QUANTITY); break;
    case 'zeroQuantity': quantity = new Dec(0); expected.push(UserErrorCode.INVALID_QUANTITY); break;
    case 'none': break;
  }
  const holdAsset = step.side === 'BUY' ? spec.quoteAsset : spec.baseAsset;
  // A BUY holds its notional rounded up to the quote asset's precision, so the hold always covers it.
  const holdAmount = step.side === 'BUY' ? price.times(quantity).toDecimalPlaces(ASSETS[holdAsset].decimals, Dec.ROUND_UP) : quantity;
  return { input: { market: step.market, side: step.side, type: 'LIMIT' as const, price: price.toFixed(), quantity: quantity.toFixed(), clientOrderId: step.clientOrderId }, expected, holdAsset, holdAmount };
}

/** Applies one step to the services and the model, and checks the outcome the model predicts. */
async function apply(services: DomainServices, ids: readonly string[], model: Model, step: Step): Promise<void> {
  switch (step.kind) {
    case 'deposit': {
      const amount = amountOf(step.units, step.asset);
      const result = await services.accounts.deposit(ids[step.account], step.asset, amount);
      expect(codesOf(result)).toEqual([]);
      const b = model.balance(step.account, step.asset);
      b.available = b.available.plus(amount);
      model.deposited.set(step.asset, model.deposited.get(step.asset)!.plus(amount));
      return;
    }
    case 'place': {
      const order = describeOrder(step);
      const result = await services.orders.placeOrder(ids[step.account], order.input);
      const b = model.balance(step.account, order.holdAsset);
      if (order.expected.length > 0) {
        expect(codesOf(result)).toEqual(order.expected);
      } else if (step.clientOrderId !== null && model.clientOrderIds[step.account].has(step.clientOrderId)) {
        // Told before a lack of funds: a retry learns its order exists.
        expect(codesOf(result)).toEqual([UserErrorCode.DUPLICATE_CLIENT_ORDER_ID]);
      } else if (b.available.lt(order.holdAmount)) {
        expect(codesOf(result)).toEqual([UserErrorCode.INSUFFICIENT_FUNDS]);
      } else {
        if (!result.ok) throw new Error(`expected the order to be placed, got ${codesOf(result).join(', ')}`);
        expect(result.value).toMatchObject({ status: 'OPEN', holdAsset: order.holdAsset, holdAmount: order.holdAmount.toFixed() });
        b.available = b.available.minus(order.holdAmount);
        b.held = b.held.plus(order.holdAmount);
        model.orders.push({ id: result.value.id, owner: step.account, holdAsset: order.holdAsset, holdAmount: order.holdAmount, open: true });
        if (step.clientOrderId !== null) model.clientOrderIds[step.account].add(step.clientOrderId);
      }
      return;
    }
    case 'cancel': {
      if (model.orders.length === 0) {
        expect(codesOf(await services.orders.cancelOrder(ids[0], randomUUID()))).toEqual([UserErrorCode.ORDER_NOT_FOUND]);
        return;
      }
      const order = model.orders[step.pick % model.orders.length];
      const actor = step.byOwner ? order.owner : (order.owner + 1) % ACCOUNTS;
      const result = await services.orders.cancelOrder(ids[actor], order.id);
      if (!step.byOwner) {
        expect(codesOf(result)).toEqual([UserErrorCode.ORDER_NOT_FOUND]);
      } else if (!order.open) {
        expect(codesOf(result)).toEqual([UserErrorCode.ORDER_NOT_OPEN]);
      } else {
        expect(result.ok && result.value.status).toBe('CANCELED');
        order.open = false;
        const b = model.balance(order.owner, order.holdAsset);
        b.held = b.held.minus(order.holdAmount);
        b.available = b.available.plus(order.holdAmount);
      }
      return;
    }
    case 'transfer': {
      const amount = step.tooPrecise ? tooPreciseAmountOf(step.units, step.asset) : amountOf(step.units, step.asset);
      const result = await services.transfers.createTransfer(ids[step.from], { toAccountId: ids[step.to], asset: step.asset, amount });
      const from = model.balance(step.from, step.asset);
      if (step.tooPrecise || step.units === 0) {
        expect(codesOf(result)).toEqual([UserErrorCode.INVALID_AMOUNT]);
      } else if (step.from === step.to) {
        expect(codesOf(result)).toEqual([UserErrorCode.SELF_TRANSFER]);
      } else if (from.available.lt(amount)) {
        expect(codesOf(result)).toEqual([UserErrorCode.INSUFFICIENT_FUNDS]);
      } else {
        expect(result.ok && result.value).toMatchObject({ fromAccountId: ids[step.from], toAccountId: ids[step.to], asset: step.asset, amount });
        from.available = from.available.minus(amount);
        const to = model.balance(step.to, step.asset);
        to.available = to.available.plus(amount);
      }
      return;
    }
  }
}

/** Checks the stored books against the model: exact balances, none negative, totals conserved, open orders. */
async function expectBooksMatch(services: DomainServices, ids: readonly string[], model: Model): Promise<void> {
  const totals = new Map(ASSET_CODES.map((a) => [a, new Dec(0)]));
  for (let i = 0; i < ACCOUNTS; i += 1) {
    for (const stored of await services.accounts.listBalances(ids[i])) {
      const available = new Dec(stored.available);
      const held = new Dec(stored.held);
      expect(available.isNegative() || held.isNegative()).toBe(false);
      const expected = model.balance(i, stored.asset);
      expect({ account: i, asset: stored.asset, available: stored.available, held: stored.held })
        .toEqual({ account: i, asset: stored.asset, available: expected.available.toFixed(), held: expected.held.toFixed() });
      totals.set(stored.asset, totals.get(stored.asset)!.plus(available).plus(held));
    }
    const open = await services.orders.listOrders(ids[i], { limit: 1000, status: 'OPEN' });
    const expectedOpen = model.orders.filter((o) => o.owner === i && o.open).map((o) => o.id);
    expect(open.items.map((o) => o.id).sort()).toEqual(expectedOpen.sort());
  }
  for (const code of ASSET_CODES) expect({ asset: code, total: totals.get(code)!.toFixed() }).toEqual({ asset: code, total: model.deposited.get(code)!.toFixed() });
}

describe('the ledger under random deposits, orders, cancels and transfers', () => {
  let db: TestDatabase;
  let services: DomainServices;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
  });
  afterAll(async () => db?.close());

  test('no balance goes negative, every asset total equals what was deposited, open orders match, and the books reconcile', async () => {
    let placed = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30, size: 'max' }), async (steps) => {
        const ids: string[] = [];
        for (let i = 0; i < ACCOUNTS; i += 1) ids.push(await fundedAccount(services, OPENING_DEPOSITS, 'prop'));
        const model = new Model();
        for (const step of steps) {
          await apply(services, ids, model, step);
          await expectBooksMatch(services, ids, model);
        }
        expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
        placed += model.orders.length;
        rejected += steps.filter((s) => s.kind === 'place').length - model.orders.length;
      }),
      { numRuns: 25 },
    );
    // The generator must reach both branches, or the property says little.
    expect(placed).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, 60_000);
});
