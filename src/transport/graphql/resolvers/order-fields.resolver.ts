import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Dec, type Order } from '../../../domain';
import type { GraphQLContext } from '../context';
import { FillConnection } from '../types/connections';
import { OrderType } from '../types/models';
import { DecimalScalar } from '../types/scalars';
import { orderFillsLoader } from './order-fills-loader';
import { connection, pageArgs } from './pagination';

/** Decimal places of `averagePrice` (rounded half-even; trailing zeros trimmed). */
export const AVERAGE_PRICE_DECIMALS = 10;

/** Average price of an order's fills: filledQuote / filledQuantity, half-even to 10 places; null when nothing filled. */
export function averagePrice(order: Pick<Order, 'filledQuantity' | 'filledQuote'>): string | null {
  const filled = new Dec(order.filledQuantity);
  if (filled.isZero()) return null;
  return new Dec(order.filledQuote).div(filled).toDecimalPlaces(AVERAGE_PRICE_DECIMALS, Dec.ROUND_HALF_EVEN).toFixed();
}

/** The fields of an order that are computed from its stored state or read on demand. */
@Resolver(() => OrderType)
export class OrderFieldsResolver {
  @FieldResolver(() => DecimalScalar, { description: 'The part not filled: quantity − filledQuantity (also after a cancel or expiry, when it will never fill).' })
  remainingQuantity(@Root() order: Order): string {
    return new Dec(order.quantity).minus(order.filledQuantity).toFixed();
  }

  @FieldResolver(() => DecimalScalar, { nullable: true, description: 'Average price of its fills (their exact cost / filledQuantity), rounded half-even to 10 decimal places, trailing zeros trimmed; null when nothing filled.' })
  averagePrice(@Root() order: Order): string | null {
    return averagePrice(order);
  }

  @FieldResolver(() => FillConnection, { nullable: true, description: 'Its fills, as maker and as taker, newest first.' })
  async fills(
    @Root() order: Order,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1-100; default 20.' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from this list (an edge cursor or pageInfo.endCursor): the page starts after it. Omit for the first page.' }) after?: string,
  ) {
    return connection('fills', await orderFillsLoader(ctx, pageArgs('fills', first, after)).load(order), (fill) => fill.sequence);
  }
}
