import type { MarketSpec } from './assets';
import { Dec } from './decimal';
import type { OrderSide, SelfTradePrevention } from './types';

/**
 * The matching rules, pure: no I/O, no clock, no ids. Given an incoming order and the resting
 * orders of the opposite side that it may reach (best first), it plans the trades by price-time
 * priority. The order service applies a plan in one transaction under the market's lock; the
 * bench times this module alone (matches per second without I/O).
 */

/** A live resting order as matching sees it. */
export interface RestingOrder {
  readonly id: string;
  readonly accountId: string;
  readonly price: Dec;
  /** Quantity not filled yet. */
  readonly remaining: Dec;
  readonly seq: number;
}

/** The incoming order (the taker). */
export interface IncomingOrder {
  readonly accountId: string;
  readonly side: OrderSide;
  /** The limit price; null for a MARKET order (any price). */
  readonly limitPrice: Dec | null;
  /** Base quantity to fill; for a MARKET BUY by quote budget, the most it may buy (null: no bound but the budget). */
  readonly quantity: Dec | null;
  /** MARKET BUY only: the most quote asset the fills may cost (exact Σ price × quantity). */
  readonly quoteBudget: Dec | null;
  readonly selfTradePrevention: SelfTradePrevention;
}

/** One trade of the plan: the maker's price, a quantity of whole lots. */
export interface PlannedTrade {
  readonly maker: RestingOrder;
  readonly price: Dec;
  readonly quantity: Dec;
}

/** What the incoming order would do against the book it was given. */
export interface MatchPlan {
  readonly trades: readonly PlannedTrade[];
  /** Makers of the same account canceled by self-trade prevention (CANCEL_OLDEST, CANCEL_BOTH). */
  readonly canceledMakers: readonly RestingOrder[];
  /** The incoming order stopped at a maker of its own account (CANCEL_NEWEST, CANCEL_BOTH): its remainder is canceled. */
  readonly takerCanceledBySelfTrade: boolean;
  /** Base quantity the trades fill. */
  readonly filledQuantity: Dec;
  /** Exact Σ price × quantity of the trades (not rounded). */
  readonly filledQuote: Dec;
  /** The walk reached the end of the given orders and could take more, or a budget's cap fell on the last of them (the next price decides its status): give it more of the book and plan again. */
  readonly needsMoreBook: boolean;
  /**
   * A budgeted MARKET BUY: what is left of its budget buys no further lot, at the price where the
   * walk stopped or, past the end of the given orders, at its last trade's price. False when the
   * budget could still buy (the book ran out first), and for every other order.
   */
  readonly budgetSpent: boolean;
}

/** True when a resting order at `price` is within the incoming order's limit. */
export function crosses(incoming: Pick<IncomingOrder, 'side' | 'limitPrice'>, price: Dec): boolean {
  if (incoming.limitPrice === null) return true;
  return incoming.side === 'BUY' ? price.lte(incoming.limitPrice) : price.gte(incoming.limitPrice);
}

/** The most whole lots of `lotSize` that `budget` buys at `price` (exact, never above the budget). */
function lotsAffordable(budget: Dec, price: Dec, lotSize: Dec): Dec {
  let quantity = budget.div(price.times(lotSize)).floor().times(lotSize);
  // The division is rounded to Dec's precision: never let that rounding buy a lot too many.
  while (quantity.gt(0) && price.times(quantity).gt(budget)) quantity = quantity.minus(lotSize);
  return quantity;
}

/**
 * Plans the incoming order against `book`: the resting orders of the opposite side, best price
 * first then oldest first (the caller reads them so; this function does not re-sort). Each trade
 * is at the maker's price, for the smaller of the two remaining quantities (a budgeted MARKET BUY:
 * also no more lots than its budget left buys). A maker of the same account is handled by the
 * incoming order's self-trade prevention mode instead of trading.
 */
export function planMatch(incoming: IncomingOrder, book: readonly RestingOrder[], market: Pick<MarketSpec, 'lotSize'>): MatchPlan {
  const trades: PlannedTrade[] = [];
  const canceledMakers: RestingOrder[] = [];
  let remaining = incoming.quantity;
  let budget = incoming.quoteBudget;
  let filledQuantity = new Dec(0);
  let filledQuote = new Dec(0);
  let takerCanceledBySelfTrade = false;
  let stopped = false;
  let budgetSpent = false;
  // The price the walk would have gone on at when its quantity ran out (a budget's cap: the market's largest order).
  let nextPrice: Dec | null = null;

  for (const maker of book) {
    if (remaining !== null && remaining.isZero()) { stopped = true; nextPrice = maker.price; break; }
    if (!crosses(incoming, maker.price)) { stopped = true; break; }
    let quantity = remaining === null ? maker.remaining : Dec.min(remaining, maker.remaining);
    if (budget !== null) quantity = Dec.min(quantity, lotsAffordable(budget, maker.price, market.lotSize));
    // A budget that buys no lot here ends the walk, before self-trade prevention: no trade, nothing to prevent.
    if (quantity.isZero()) { stopped = true; budgetSpent = true; break; }
    if (maker.accountId === incoming.accountId) {
      const mode = incoming.selfTradePrevention;
      if (mode === 'CANCEL_OLDEST' || mode === 'CANCEL_BOTH') canceledMakers.push(maker);
      if (mode === 'CANCEL_NEWEST' || mode === 'CANCEL_BOTH') { takerCanceledBySelfTrade = true; stopped = true; break; }
      continue;
    }
    const cost = maker.price.times(quantity);
    trades.push({ maker, price: maker.price, quantity });
    filledQuantity = filledQuantity.plus(quantity);
    filledQuote = filledQuote.plus(cost);
    if (remaining !== null) remaining = remaining.minus(quantity);
    if (budget !== null) budget = budget.minus(cost);
  }
  const capped = remaining !== null && remaining.isZero();
  if (capped) stopped = true;
  const last = trades[trades.length - 1];
  // A budget is spent when what is left of it buys no lot where the walk ends: past the book, at the
  // last trade's price; at a budget's quantity cap, at the price it would have gone on at (so a cap
  // and a budget that run out together are FILLED, not a remainder).
  if (budget !== null && last !== undefined && !budgetSpent && (!stopped || capped)) {
    budgetSpent = lotsAffordable(budget, nextPrice ?? last.price, market.lotSize).isZero();
  }
  // A cap reached on the last order of `book` leaves that price unknown while the book may go on:
  // ask for more of it, so the status does not depend on where a read of the book ended (a caller
  // whose book ends there decides at the last trade's price, as above).
  const nextPriceUnread = capped && budget !== null && last !== undefined && nextPrice === null;
  return { trades, canceledMakers, takerCanceledBySelfTrade, filledQuantity, filledQuote, needsMoreBook: !stopped || nextPriceUnread, budgetSpent };
}
