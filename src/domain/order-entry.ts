import { ASSETS, MARKETS, type AssetCode, type MarketSpec } from './assets';
import { Dec, isMultipleOf, parseDecimal } from './decimal';
import type { OrderSide, OrderType, SelfTradePrevention, TimeInForce } from './types';
import { UserErrorCode, userError, type UserError } from './user-errors';

/** What a client asks for when placing an order (absent options take their defaults). */
export interface PlaceOrderInput {
  readonly market: string;
  readonly side: OrderSide;
  /** Default LIMIT. */
  readonly type?: OrderType | null;
  /** LIMIT only. */
  readonly price?: string | null;
  /** Base quantity; a MARKET BUY gives this or quoteQuantity. */
  readonly quantity?: string | null;
  /** MARKET BUY only: spend at most this much of the quote asset. */
  readonly quoteQuantity?: string | null;
  /** Default GTC (a MARKET order never rests: GTC means IOC for it). */
  readonly timeInForce?: TimeInForce | null;
  /** Default false. */
  readonly postOnly?: boolean | null;
  /** Default CANCEL_NEWEST. */
  readonly selfTradePrevention?: SelfTradePrevention | null;
  readonly clientOrderId?: string | null;
}

/** A placement that passed every rule that does not depend on the book or the balances. */
export interface ValidOrder {
  readonly market: MarketSpec;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly price: Dec | null;
  readonly quantity: Dec | null;
  readonly quoteQuantity: Dec | null;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly selfTradePrevention: SelfTradePrevention;
  readonly clientOrderId: string | null;
  /** The asset a placement holds: the quote asset for a BUY, the base asset for a SELL. */
  readonly holdAsset: AssetCode;
}

const field = (name: string) => ['input', name];

function checkPrice(text: string, market: MarketSpec, errors: UserError[]): Dec | null {
  const price = parseDecimal(text);
  if (price === null || price.lte(0)) errors.push(userError(UserErrorCode.INVALID_PRICE, 'Price must be a positive decimal string.', field('price')));
  else if (!isMultipleOf(price, market.tickSize)) errors.push(userError(UserErrorCode.INVALID_PRICE, `Price must be a multiple of the tick size ${market.tickSize.toFixed()}.`, field('price')));
  else if (price.gt(market.maxPrice)) errors.push(userError(UserErrorCode.INVALID_PRICE, `Price must not exceed ${market.maxPrice.toFixed()}.`, field('price')));
  else return price;
  return null;
}

function checkQuantity(text: string, market: MarketSpec, errors: UserError[]): Dec | null {
  const quantity = parseDecimal(text);
  if (quantity === null || quantity.lte(0)) errors.push(userError(UserErrorCode.INVALID_QUANTITY, 'Quantity must be a positive decimal string.', field('quantity')));
  else if (!isMultipleOf(quantity, market.lotSize)) errors.push(userError(UserErrorCode.INVALID_QUANTITY, `Quantity must be a multiple of the lot size ${market.lotSize.toFixed()}.`, field('quantity')));
  else if (quantity.lt(market.minQuantity) || quantity.gt(market.maxQuantity)) {
    errors.push(userError(UserErrorCode.INVALID_QUANTITY, `Quantity must be between ${market.minQuantity.toFixed()} and ${market.maxQuantity.toFixed()}.`, field('quantity')));
  } else return quantity;
  return null;
}

/** The largest quote budget a MARKET BUY may name: the most the largest order could cost. */
function maxQuoteQuantity(market: MarketSpec): Dec {
  return market.maxPrice.times(market.maxQuantity);
}

function checkQuoteQuantity(text: string, market: MarketSpec, errors: UserError[]): Dec | null {
  const decimals = ASSETS[market.quoteAsset].decimals;
  const value = parseDecimal(text);
  if (value === null || value.lte(0)) errors.push(userError(UserErrorCode.INVALID_QUANTITY, 'quoteQuantity must be a positive decimal string.', field('quoteQuantity')));
  else if (value.decimalPlaces() > decimals) errors.push(userError(UserErrorCode.INVALID_QUANTITY, `quoteQuantity has at most ${decimals} decimal places (${market.quoteAsset}).`, field('quoteQuantity')));
  else if (value.gt(maxQuoteQuantity(market))) errors.push(userError(UserErrorCode.INVALID_QUANTITY, `quoteQuantity must not exceed ${maxQuoteQuantity(market).toFixed()}.`, field('quoteQuantity')));
  else return value;
  return null;
}

/**
 * Checks market, type, price, quantities and options against the market's rules; collects every
 * problem at once. What depends on the book (post-only, FOK) or on balances is decided later.
 */
export function validateOrder(input: PlaceOrderInput): ValidOrder | UserError[] {
  const market = MARKETS.get(input.market);
  if (!market) return [userError(UserErrorCode.UNKNOWN_MARKET, `Unknown market "${input.market.slice(0, 32)}". See the markets query.`, field('market'))];
  const errors: UserError[] = [];
  const type = input.type ?? 'LIMIT';
  const side = input.side;
  const timeInForce = input.timeInForce ?? 'GTC';
  const postOnly = input.postOnly ?? false;
  const given = (value: string | null | undefined): value is string => value !== null && value !== undefined;

  let price: Dec | null = null;
  if (type === 'LIMIT') {
    if (given(input.price)) price = checkPrice(input.price, market, errors);
    else errors.push(userError(UserErrorCode.INVALID_PRICE, 'A LIMIT order needs a price.', field('price')));
  } else if (given(input.price)) {
    errors.push(userError(UserErrorCode.INVALID_PRICE, 'A MARKET order takes no price: it trades at the prices in the book.', field('price')));
  }

  let quantity: Dec | null = null;
  let quoteQuantity: Dec | null = null;
  const marketBuy = type === 'MARKET' && side === 'BUY';
  if (given(input.quoteQuantity) && !marketBuy) errors.push(userError(UserErrorCode.INVALID_ORDER_OPTIONS, 'quoteQuantity is for MARKET BUY orders only.', field('quoteQuantity')));
  if (given(input.quoteQuantity) && marketBuy) {
    if (given(input.quantity)) errors.push(userError(UserErrorCode.INVALID_QUANTITY, 'Give quantity or quoteQuantity, not both.', field('quantity')));
    else quoteQuantity = checkQuoteQuantity(input.quoteQuantity, market, errors);
  } else if (given(input.quantity)) {
    quantity = checkQuantity(input.quantity, market, errors);
  } else {
    errors.push(userError(UserErrorCode.INVALID_QUANTITY, marketBuy ? 'A MARKET BUY needs quantity or quoteQuantity.' : 'quantity is required.', field('quantity')));
  }

  if (postOnly && (type !== 'LIMIT' || timeInForce !== 'GTC')) {
    errors.push(userError(UserErrorCode.INVALID_ORDER_OPTIONS, 'postOnly is for LIMIT orders with timeInForce GTC only.', field('postOnly')));
  }
  if (timeInForce === 'FOK' && given(input.quoteQuantity)) {
    errors.push(userError(UserErrorCode.INVALID_ORDER_OPTIONS, 'FOK needs a base quantity; a budget (quoteQuantity) cannot be all-or-nothing.', field('timeInForce')));
  }
  if (errors.length > 0) return errors;
  return {
    market, side, type, price, quantity, quoteQuantity,
    // A MARKET order never rests: GTC means IOC for it.
    timeInForce: type === 'MARKET' && timeInForce === 'GTC' ? 'IOC' : timeInForce,
    postOnly, selfTradePrevention: input.selfTradePrevention ?? 'CANCEL_NEWEST', clientOrderId: input.clientOrderId ?? null,
    holdAsset: side === 'BUY' ? market.quoteAsset : market.baseAsset,
  };
}
