import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Fill, Order, OrderService } from '../../../domain';
import type { GraphQLContext } from '../context';
import { FillType } from '../types/models';
import { PlaceOrderPayload } from '../types/payloads';

/** Fills read per statement while collecting an order's taker fills. */
const TAKER_FILLS_BATCH = 500;

/** Every fill the order made as the taker (at its placement), oldest first: the order it traded in. */
export async function takerFillsOf(orders: OrderService, order: Order): Promise<Fill[]> {
  const fills: Fill[] = [];
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await orders.listOrderFills(order, { limit: TAKER_FILLS_BATCH, beforeSeq, liquidity: 'TAKER' });
    fills.push(...page.items);
    if (!page.hasNextPage || page.items.length === 0) return fills.reverse();
    beforeSeq = page.items[page.items.length - 1].sequence;
  }
}

/**
 * `PlaceOrderPayload.fills`, read from the order rather than carried by the resolver's result: an
 * `@idempotent` replay re-reads the order by id, and this gives it the same fills.
 */
@Resolver(() => PlaceOrderPayload)
export class PlaceOrderPayloadResolver {
  @FieldResolver(() => [FillType], { description: 'The fills the order made at placement (as the taker), in the order they executed; empty when it traded nothing or userErrors is not empty. The same on an idempotent replay.' })
  async fills(@Root() payload: { order: Order | null }, @Ctx() ctx: GraphQLContext): Promise<Fill[]> {
    return payload.order ? takerFillsOf(ctx.services.orders, payload.order) : [];
  }
}
