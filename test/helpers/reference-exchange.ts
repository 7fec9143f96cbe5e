import { ASSETS, MARKETS, type AssetCode, type MarketSpec } from '../../src/domain/assets';
import { Dec, isMultipleOf, parseDecimal } from '../../src/domain/decimal';
import type { PlaceOrderInput } from '../../src/domain/order-entry';
import type { Liquidity, OrderSide, OrderStatus, OrderStatusReason, OrderType, SelfTradePrevention, TimeInForce } from '../../src/domain/types';
import { UserErrorCode } from '../../src/domain/user-errors';

/**
 * A second, independent implementation of the matching rules of issue 16, written from that
 * contract alone: no logic shared with src/domain/matching.ts, settlement.ts, order-entry.ts or
 * orders.service.ts (only the input type, the market table and the decimal type). The property
 * test runs the same steps through it and through the services and compares every answer,
 * order, fill and balance. It favours obviousness over speed (it sorts the book on every
 * placement). Where the contract leaves an order open, it says so and what it chose.
 */

/** Maker and taker fee rates. */
export interface ReferenceFees { readonly maker: Dec; readonly taker: Dec }

/** Who owns a balance: an account by its index, or the fee account. */
export type Holder = number | 'fees';

/** An order as the reference sees it. */
export interface ReferenceOrder {
  readonly id: string;
  readonly owner: number;
  readonly market: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly price: Dec | null;
  /** Base quantity; for a MARKET BUY by quoteQuantity, what it bought (set when it completes). */
  quantity: Dec;
  readonly quoteQuantity: Dec | null;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly selfTradePrevention: SelfTradePrevention;
  readonly clientOrderId: string | null;
  /** Placement order: time priority. */
  readonly seq: number;
  status: OrderStatus;
  statusReason: OrderStatusReason | null;
  filledQuantity: Dec;
  /** Exact Σ price × quantity of its fills. */
  filledQuote: Dec;
  readonly holdAsset: AssetCode;
  readonly holdAmount: Dec;
  /** What a resting BUY gave back of its hold at placement: it traded below its limit. */
  released?: Dec;
}

/** One order's row of a trade. */
export interface ReferenceFill {
  /** The trade's number in this reference (both rows of a trade share it). */
  readonly trade: number;
  readonly orderId: string;
  readonly owner: number;
  readonly side: OrderSide;
  readonly price: Dec;
  readonly quantity: Dec;
  readonly quoteAmount: Dec;
  readonly fee: Dec;
  readonly feeAsset: AssetCode;
  readonly liquidity: Liquidity;
}

/** What a placement or cancel should answer: the codes it fails with, or the orders it returns. */
export type ReferenceOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly codes: readonly UserErrorCode[] };

const fail = <T>(...codes: UserErrorCode[]): ReferenceOutcome<T> => ({ ok: false, codes: [...new Set(codes)].sort() });
const isLive = (o: ReferenceOrder) => o.status === 'OPEN' || o.status === 'PARTIALLY_FILLED';
const roundUp = (value: Dec, asset: AssetCode) => value.toDecimalPlaces(ASSETS[asset].decimals, Dec.ROUND_UP);
const roundDown = (value: Dec, asset: AssetCode) => value.toDecimalPlaces(ASSETS[asset].decimals, Dec.ROUND_DOWN);
const given = (value: string | null | undefined): value is string => value !== null && value !== undefined;

/**
 * The rules of the contract that need neither the book nor a balance: the distinct codes, sorted
 * (the contract says every problem is reported, not how many errors one code may carry).
 */
export function referenceValidationCodes(input: PlaceOrderInput): UserErrorCode[] {
  const market = MARKETS.get(input.market);
  if (!market) return [UserErrorCode.UNKNOWN_MARKET];
  const codes = new Set<UserErrorCode>();
  const type = input.type ?? 'LIMIT';
  const marketBuy = type === 'MARKET' && input.side === 'BUY';
  const validPrice = (text: string) => {
    const p = parseDecimal(text);
    return p !== null && p.gt(0) && isMultipleOf(p, market.tickSize) && p.lte(market.maxPrice);
  };
  const validQuantity = (text: string) => {
    const q = parseDecimal(text);
    return q !== null && q.gt(0) && isMultipleOf(q, market.lotSize) && q.gte(market.minQuantity) && q.lte(market.maxQuantity);
  };
  const validQuote = (text: string) => {
    const v = parseDecimal(text);
    return v !== null && v.gt(0) && v.decimalPlaces() <= ASSETS[market.quoteAsset].decimals && v.lte(market.maxPrice.times(market.maxQuantity));
  };

  if (type === 'LIMIT' ? !given(input.price) || !validPrice(input.price) : given(input.price)) codes.add(UserErrorCode.INVALID_PRICE);
  if (marketBuy) {
    // Exactly one of quantity and quoteQuantity, and that one well-formed.
    if (given(input.quantity) === given(input.quoteQuantity)) codes.add(UserErrorCode.INVALID_QUANTITY);
    else if (given(input.quantity) ? !validQuantity(input.quantity) : !validQuote(input.quoteQuantity!)) codes.add(UserErrorCode.INVALID_QUANTITY);
  } else {
    if (!given(input.quantity) || !validQuantity(input.quantity)) codes.add(UserErrorCode.INVALID_QUANTITY);
    if (given(input.quoteQuantity)) codes.add(UserErrorCode.INVALID_ORDER_OPTIONS);
  }
  const timeInForce = input.timeInForce ?? 'GTC';
  if ((input.postOnly ?? false) && (type !== 'LIMIT' || timeInForce !== 'GTC')) codes.add(UserErrorCode.INVALID_ORDER_OPTIONS);
  if (timeInForce === 'FOK' && given(input.quoteQuantity)) codes.add(UserErrorCode.INVALID_ORDER_OPTIONS);
  return [...codes].sort();
}

/** The exchange by the contract: balances of `accounts` accounts and the fee account, orders and fills. */
export class ReferenceExchange {
  readonly orders: ReferenceOrder[] = [];
  readonly fills: ReferenceFill[] = [];
  private readonly balances = new Map<Holder, Map<AssetCode, { available: Dec; held: Dec }>>();
  private trades = 0;
  private seq = 0;

  /** `opening`: what each account starts with; the fee account starts at zero (the caller adds what it held before). */
  constructor(readonly accounts: number, opening: Partial<Record<AssetCode, string>>, private readonly fees: ReferenceFees) {
    const holders: Holder[] = [...Array.from({ length: accounts }, (_, i) => i), 'fees'];
    for (const holder of holders) {
      this.balances.set(holder, new Map((Object.keys(ASSETS) as AssetCode[]).map((a) => [a, { available: new Dec(holder === 'fees' ? 0 : opening[a] ?? 0), held: new Dec(0) }])));
    }
  }

  /** A balance (mutable). */
  balance(holder: Holder, asset: AssetCode): { available: Dec; held: Dec } {
    return this.balances.get(holder)!.get(asset)!;
  }

  /** What the order still reserves: a BUY its hold less what it released and the rounded-up cost of its fills, a SELL its hold less what it sold; 0 once final. */
  holdRemaining(order: ReferenceOrder): Dec {
    if (!isLive(order)) return new Dec(0);
    const market = MARKETS.get(order.market)!;
    return order.side === 'BUY' ? order.holdAmount.minus(order.released ?? new Dec(0)).minus(roundUp(order.filledQuote, market.quoteAsset)) : order.holdAmount.minus(order.filledQuantity);
  }

  /** Live orders of one side of a market, best first, then oldest first. */
  book(market: string, side: OrderSide): ReferenceOrder[] {
    return this.orders
      .filter((o) => o.market === market && o.side === side && isLive(o))
      .sort((a, b) => (a.price!.eq(b.price!) ? a.seq - b.seq : side === 'SELL' ? a.price!.cmp(b.price!) : b.price!.cmp(a.price!)));
  }

  /** Places an order for account `owner`; `id` is the id the system under test gave it (used only if it is created). */
  place(owner: number, input: PlaceOrderInput, id: string): ReferenceOutcome<ReferenceOrder> {
    const invalid = referenceValidationCodes(input);
    if (invalid.length > 0) return fail(...invalid);
    const market = MARKETS.get(input.market)!;
    const type = input.type ?? 'LIMIT';
    const side = input.side;
    const requested = input.timeInForce ?? 'GTC';
    const timeInForce: TimeInForce = type === 'MARKET' && requested === 'GTC' ? 'IOC' : requested;
    const limit = type === 'LIMIT' ? new Dec(input.price!) : null;
    const quantity = given(input.quantity) ? new Dec(input.quantity) : null;
    const budget = given(input.quoteQuantity) ? new Dec(input.quoteQuantity) : null;
    const stp = input.selfTradePrevention ?? 'CANCEL_NEWEST';
    const within = (price: Dec) => limit === null || (side === 'BUY' ? price.lte(limit) : price.gte(limit));
    const opposite = this.book(market.symbol, side === 'BUY' ? 'SELL' : 'BUY').filter((o) => within(o.price!));

    // A clientOrderId already used is told before every refusal the placement decides itself: a retry learns its order exists.
    const clientOrderId = input.clientOrderId ?? null;
    const duplicate = clientOrderId !== null && this.orders.some((o) => o.owner === owner && o.clientOrderId === clientOrderId);
    if (input.postOnly && opposite.length > 0) return fail(duplicate ? UserErrorCode.DUPLICATE_CLIENT_ORDER_ID : UserErrorCode.POST_ONLY_WOULD_TAKE);

    // The walk, against the book as it is.
    let trades: Array<{ maker: ReferenceOrder; quantity: Dec }> = [];
    let stpCanceled: ReferenceOrder[] = [];
    let takerStoppedBySelfTrade = false;
    // A budget buys no more than the largest order quantity.
    let left = quantity ?? (budget !== null ? market.maxQuantity : null);
    let budgetLeft = budget;
    // A budget is spent when what is left of it cannot pay one lot where the walk ends (or at its last price, if the book ran out).
    const lotsFor = (money: Dec, price: Dec) => money.div(price.times(market.lotSize)).floor().times(market.lotSize);
    let budgetSpent = false;
    let walkedPastBook = true;
    // Where a budget's quantity cap stopped the walk: the budget is spent if it buys no lot there.
    let cappedAt: Dec | null = null;
    for (const maker of opposite) {
      if (left !== null && left.isZero()) { walkedPastBook = false; cappedAt = maker.price!; break; }
      const makerLeft = maker.quantity.minus(maker.filledQuantity);
      let q = left === null ? makerLeft : Dec.min(left, makerLeft);
      if (budgetLeft !== null) q = Dec.min(q, lotsFor(budgetLeft, maker.price!));
      // Nothing more it could trade here (a budget that buys no lot at this price): the walk ends, with no self-trade to prevent.
      if (q.isZero()) { budgetSpent = true; walkedPastBook = false; break; }
      if (maker.owner === owner) {
        if (stp !== 'CANCEL_NEWEST') stpCanceled.push(maker);
        if (stp !== 'CANCEL_OLDEST') { takerStoppedBySelfTrade = true; walkedPastBook = false; break; }
        continue;
      }
      trades.push({ maker, quantity: q });
      if (left !== null) left = left.minus(q);
      if (budgetLeft !== null) budgetLeft = budgetLeft.minus(maker.price!.times(q));
    }
    const lastTrade = trades[trades.length - 1];
    if (budgetLeft !== null && lastTrade !== undefined && left !== null && left.isZero()) budgetSpent = lotsFor(budgetLeft, cappedAt ?? lastTrade.maker.price!).isZero();
    else if (walkedPastBook && budgetLeft !== null && lastTrade !== undefined) budgetSpent = lotsFor(budgetLeft, lastTrade.maker.price!).isZero();
    // A budget that buys no lot where the walk ends, with no trade before: refused, nothing placed.
    if (budget !== null && trades.length === 0 && budgetSpent) return fail(duplicate ? UserErrorCode.DUPLICATE_CLIENT_ORDER_ID : UserErrorCode.INVALID_QUANTITY);
    const plannedQuantity = trades.reduce((s, t) => s.plus(t.quantity), new Dec(0));
    // The FOK decision comes before the hold: a MARKET BUY by quantity that cannot fill holds nothing.
    const fokFailed = timeInForce === 'FOK' && !plannedQuantity.eq(quantity!);
    if (fokFailed) { trades = []; stpCanceled = []; takerStoppedBySelfTrade = false; }
    const plannedCost = trades.reduce((s, t) => s.plus(t.maker.price!.times(t.quantity)), new Dec(0));

    const holdAsset = side === 'BUY' ? market.quoteAsset : market.baseAsset;
    const hold = side === 'SELL' ? quantity! : budget !== null ? budget : limit !== null ? roundUp(limit.times(quantity!), market.quoteAsset) : roundUp(plannedCost, market.quoteAsset);
    if (duplicate) return fail(UserErrorCode.DUPLICATE_CLIENT_ORDER_ID);
    if (this.balance(owner, holdAsset).available.lt(hold)) return fail(UserErrorCode.INSUFFICIENT_FUNDS);

    const taker: ReferenceOrder = {
      id, owner, market: market.symbol, side, type, price: limit, quantity: quantity ?? new Dec(0), quoteQuantity: budget, timeInForce,
      postOnly: input.postOnly ?? false, selfTradePrevention: stp, clientOrderId, seq: ++this.seq,
      status: 'OPEN', statusReason: null, filledQuantity: new Dec(0), filledQuote: new Dec(0), holdAsset, holdAmount: hold,
    };
    this.orders.push(taker);
    this.move(owner, holdAsset, hold, 'available', 'held');

    for (const { maker, quantity: q } of trades) {
      this.trade(market, side === 'BUY' ? taker : maker, side === 'BUY' ? maker : taker, maker, q);
      if (maker.filledQuantity.eq(maker.quantity)) this.finish(maker, 'FILLED', null);
      else maker.status = 'PARTIALLY_FILLED';
    }
    for (const maker of stpCanceled) this.finish(maker, 'CANCELED', 'SELF_TRADE_PREVENTION');

    if (budget !== null) taker.quantity = taker.filledQuantity;
    if (fokFailed) this.finish(taker, 'EXPIRED', 'FOK_NOT_FILLABLE');
    else if (takerStoppedBySelfTrade) this.finish(taker, 'CANCELED', 'SELF_TRADE_PREVENTION');
    else if (budget !== null) {
      if (budgetSpent && !taker.filledQuantity.isZero()) this.finish(taker, 'FILLED', null);
      else this.finish(taker, 'EXPIRED', 'MARKET_REMAINDER');
    }
    else if (taker.filledQuantity.eq(taker.quantity)) this.finish(taker, 'FILLED', null);
    else if (type === 'MARKET') this.finish(taker, 'EXPIRED', 'MARKET_REMAINDER');
    else if (timeInForce === 'IOC') this.finish(taker, 'EXPIRED', 'IOC_REMAINDER');
    else {
      taker.status = taker.filledQuantity.isZero() ? 'OPEN' : 'PARTIALLY_FILLED';
      // A BUY resting after fills holds what its rest costs at its limit: the rest of its hold (what it saved below its limit) is released.
      if (side === 'BUY' && !taker.filledQuantity.isZero()) {
        const paid = roundUp(taker.filledQuote, market.quoteAsset);
        const restCost = roundUp(taker.filledQuote.plus(limit!.times(taker.quantity.minus(taker.filledQuantity))), market.quoteAsset).minus(paid);
        const saved = this.holdRemaining(taker).minus(restCost);
        this.move(owner, holdAsset, saved, 'held', 'available');
        taker.released = saved;
      }
    }
    return { ok: true, value: taker };
  }

  /** cancelOrder by `actor`. */
  cancel(actor: number, orderId: string): ReferenceOutcome<ReferenceOrder> {
    const order = this.orders.find((o) => o.id === orderId && o.owner === actor);
    if (!order) return fail(UserErrorCode.ORDER_NOT_FOUND);
    if (!isLive(order)) return fail(UserErrorCode.ORDER_NOT_OPEN);
    this.finish(order, 'CANCELED', 'CANCELED_BY_USER');
    return { ok: true, value: order };
  }

  /** cancelAllOrders by `actor` in one market, or every market when null. */
  cancelAll(actor: number, market: string | null): ReferenceOutcome<ReferenceOrder[]> {
    if (market !== null && !MARKETS.has(market)) return fail(UserErrorCode.UNKNOWN_MARKET);
    const canceled = this.orders.filter((o) => o.owner === actor && isLive(o) && (market === null || o.market === market));
    for (const order of canceled) this.finish(order, 'CANCELED', 'CANCELED_BY_USER');
    return { ok: true, value: canceled };
  }

  /** One trade at the maker's price: the buyer pays the rise of its rounded-up total cost; each side's fee is taken from what it receives, rounded down. */
  private trade(market: MarketSpec, buy: ReferenceOrder, sell: ReferenceOrder, maker: ReferenceOrder, q: Dec): void {
    const price = maker.price!;
    const { baseAsset: base, quoteAsset: quote } = market;
    const paidBefore = roundUp(buy.filledQuote, quote);
    buy.filledQuote = buy.filledQuote.plus(price.times(q));
    const c = roundUp(buy.filledQuote, quote).minus(paidBefore);
    sell.filledQuote = sell.filledQuote.plus(price.times(q));
    buy.filledQuantity = buy.filledQuantity.plus(q);
    sell.filledQuantity = sell.filledQuantity.plus(q);
    const rate = (o: ReferenceOrder) => (o === maker ? this.fees.maker : this.fees.taker);
    const buyerFee = roundDown(q.times(rate(buy)), base);
    const sellerFee = roundDown(c.times(rate(sell)), quote);
    this.balance(buy.owner, quote).held = this.balance(buy.owner, quote).held.minus(c);
    this.balance(sell.owner, base).held = this.balance(sell.owner, base).held.minus(q);
    this.balance(buy.owner, base).available = this.balance(buy.owner, base).available.plus(q.minus(buyerFee));
    this.balance(sell.owner, quote).available = this.balance(sell.owner, quote).available.plus(c.minus(sellerFee));
    this.balance('fees', base).available = this.balance('fees', base).available.plus(buyerFee);
    this.balance('fees', quote).available = this.balance('fees', quote).available.plus(sellerFee);
    const trade = ++this.trades;
    const row = (o: ReferenceOrder, fee: Dec): ReferenceFill => ({
      trade, orderId: o.id, owner: o.owner, side: o.side, price, quantity: q, quoteAmount: c, fee, feeAsset: o.side === 'BUY' ? base : quote,
      liquidity: o === maker ? 'MAKER' : 'TAKER',
    });
    const [makerRow, takerRow] = maker === buy ? [row(buy, buyerFee), row(sell, sellerFee)] : [row(sell, sellerFee), row(buy, buyerFee)];
    this.fills.push(makerRow, takerRow);
  }

  /** Ends a live order: whatever it still holds goes back to available. */
  private finish(order: ReferenceOrder, status: OrderStatus, reason: OrderStatusReason | null): void {
    this.move(order.owner, order.holdAsset, this.holdRemaining(order), 'held', 'available');
    order.status = status;
    order.statusReason = reason;
  }

  private move(holder: Holder, asset: AssetCode, amount: Dec, from: 'available' | 'held', to: 'available' | 'held'): void {
    const b = this.balance(holder, asset);
    b[from] = b[from].minus(amount);
    b[to] = b[to].plus(amount);
  }
}
