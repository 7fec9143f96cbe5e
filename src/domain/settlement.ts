import { ASSETS, type MarketSpec } from './assets';
import { Dec } from './decimal';
import { FEE_ACCOUNT_ID } from './ledger';
import type { Journal, Liquidity, OrderSide, Posting } from './types';

/**
 * What one trade moves, with the rounding rules in one place:
 *
 * - The buyer's total paid is always the exact cost of its fills so far rounded UP to the quote
 *   asset's precision: a trade's quote amount is `ceil(cost after) − ceil(cost before)` of the BUY
 *   order, so the hold (`ceil(price × quantity)`) always covers its fills, however they split.
 * - Each side pays its fee in the asset it receives, `rate × received` rounded DOWN to that
 *   asset's precision: a fee never exceeds the stated rate.
 */

/** Maker and taker fee rates of a market, as fractions (0.001 = 0.1 %). */
export interface FeeRates { readonly maker: Dec; readonly taker: Dec }

/** The defaults: 0.1 % maker, 0.2 % taker. */
export const DEFAULT_FEE_RATES: FeeRates = Object.freeze({ maker: new Dec('0.001'), taker: new Dec('0.002') });

/** The fill-related state of one order that a trade changes. */
export interface OrderFillState {
  readonly filledQuantity: Dec;
  /** Exact Σ price × quantity of the fills. */
  readonly filledQuote: Dec;
  readonly holdRemaining: Dec;
}

/** One side of a settled trade. */
export interface SettledSide {
  readonly accountId: string;
  readonly side: OrderSide;
  readonly liquidity: Liquidity;
  readonly fee: Dec;
  readonly after: OrderFillState;
}

/** A trade's amounts, both orders' new state and its balanced journal. */
export interface SettledTrade {
  readonly quoteAmount: Dec;
  readonly buyer: SettledSide;
  readonly seller: SettledSide;
  readonly journal: Journal;
}

/** The quote asset's precision, rounding up. */
export function ceilQuote(market: MarketSpec, value: Dec): Dec {
  return value.toDecimalPlaces(ASSETS[market.quoteAsset].decimals, Dec.ROUND_UP);
}

/** One order's party to a trade. */
export interface TradeParty { readonly accountId: string; readonly liquidity: Liquidity; readonly state: OrderFillState }

/**
 * Settles one trade between the BUY order and the SELL order at `price` for `quantity`: the
 * amounts, the orders' new fill state (holds consumed) and one balanced journal that moves both
 * assets out of the holds, pays both proceeds and both fees (to the fee account).
 */
export function settleTrade(args: {
  journalId: string; tradeId: string; at: Date; market: MarketSpec; fees: FeeRates;
  buy: TradeParty; sell: TradeParty; price: Dec; quantity: Dec;
}): SettledTrade {
  const { market, fees, buy, sell, price, quantity } = args;
  const cost = price.times(quantity);
  const buyQuoteAfter = buy.state.filledQuote.plus(cost);
  const quoteAmount = ceilQuote(market, buyQuoteAfter).minus(ceilQuote(market, buy.state.filledQuote));
  const rate = (liquidity: Liquidity) => (liquidity === 'MAKER' ? fees.maker : fees.taker);
  const buyerFee = quantity.times(rate(buy.liquidity)).toDecimalPlaces(ASSETS[market.baseAsset].decimals, Dec.ROUND_DOWN);
  const sellerFee = quoteAmount.times(rate(sell.liquidity)).toDecimalPlaces(ASSETS[market.quoteAsset].decimals, Dec.ROUND_DOWN);

  const base = market.baseAsset;
  const quote = market.quoteAsset;
  const postings: Posting[] = [];
  const post = (accountId: string, asset: typeof base, bucket: Posting['bucket'], amount: Dec) => {
    if (!amount.isZero()) postings.push({ accountId, asset, bucket, amount: amount.toFixed() });
  };
  post(buy.accountId, quote, 'held', quoteAmount.negated());
  post(sell.accountId, base, 'held', quantity.negated());
  post(buy.accountId, base, 'available', quantity.minus(buyerFee));
  post(sell.accountId, quote, 'available', quoteAmount.minus(sellerFee));
  post(FEE_ACCOUNT_ID, base, 'available', buyerFee);
  post(FEE_ACCOUNT_ID, quote, 'available', sellerFee);

  return {
    quoteAmount,
    buyer: {
      accountId: buy.accountId, side: 'BUY', liquidity: buy.liquidity, fee: buyerFee,
      after: { filledQuantity: buy.state.filledQuantity.plus(quantity), filledQuote: buyQuoteAfter, holdRemaining: buy.state.holdRemaining.minus(quoteAmount) },
    },
    seller: {
      accountId: sell.accountId, side: 'SELL', liquidity: sell.liquidity, fee: sellerFee,
      after: { filledQuantity: sell.state.filledQuantity.plus(quantity), filledQuote: sell.state.filledQuote.plus(cost), holdRemaining: sell.state.holdRemaining.minus(quantity) },
    },
    journal: { id: args.journalId, kind: 'TRADE', reference: args.tradeId, createdAt: args.at, postings },
  };
}
