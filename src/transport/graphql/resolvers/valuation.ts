import { PriceUnavailableError, valueInUsd, type Balance, type PriceQuote } from '../../../domain';
import { Dec } from '../../../domain';
import type { GraphQLContext } from '../context';
import { PriceUnavailableGraphQLError } from '../../../errors';

/** One quote per request: every balance and the total use the same prices. */
const quotes = new WeakMap<GraphQLContext, Promise<PriceQuote>>();

/** The request's price quote, or PRICE_UNAVAILABLE at the asking field. */
export async function requestQuote(context: GraphQLContext): Promise<PriceQuote> {
  let quote = quotes.get(context);
  if (!quote) {
    quote = context.services.prices.current();
    quotes.set(context, quote);
  }
  try {
    return await quote;
  } catch (error) {
    if (error instanceof PriceUnavailableError) throw new PriceUnavailableGraphQLError();
    throw error;
  }
}

/** USD value of a balance (available + held). */
export function balanceValue(quote: PriceQuote, balance: Balance): string {
  return valueInUsd(quote, balance.asset, new Dec(balance.available).plus(balance.held).toFixed());
}

/**
 * `Balance.valueUsd`: a USD balance is its own value and needs no price, so it arrives even while
 * the price source is down; the other assets take the request's quote.
 */
export async function balanceValueUsd(context: GraphQLContext, balance: Balance): Promise<string> {
  if (balance.asset === 'USD') return new Dec(balance.available).plus(balance.held).toDecimalPlaces(2, Dec.ROUND_HALF_EVEN).toFixed(2);
  return balanceValue(await requestQuote(context), balance);
}
