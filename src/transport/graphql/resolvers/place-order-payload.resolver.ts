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
 * `@idempotent` replay re-reads the order by id, and this gives it the same fills. Nullable: the
 * read runs after the placement committed, and a non-null field that failed would null the whole
 * payload, so a client would see a placed (perhaps filled) order reported as a failure without its
 * id. A failed read answers `fills: null` with the error at its path; `order` still arrives.
 */
@Resolver(() => PlaceOrderPayload)
export class PlaceOrderPayloadResolver {
  @FieldResolver(() => [FillType], { nullable: true, description: 'The fills the order made at placement (as the taker), in the order they executed; empty when it traded nothing or userErrors is not empty. The same on an idempotent replay. Null only when they could not be read (an error at this path says why): the order was placed all the same, and `order` shows it.' })
  async fills(@Root() payload: { order: Order | null }, @Ctx() ctx: GraphQLContext): Promise<Fill[]> {
    return payload.order ? takerFillsOf(ctx.services.orders, payload.order) : [];
  }
}
